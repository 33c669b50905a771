// API Gateway's public API for other services: what HTTP APIs (apigatewayv2) share with REST APIs.
export { Buckets } from './throttle.js';
export { callBackend, type BackendAnswer, type BackendErrors, type BackendVia } from './http-call.js';
// reading and writing API definitions (OpenAPI in JSON or YAML), shared with HTTP APIs' import and export
export { ApiDocumentError, readApiDocument } from './api-document.js';
export { toYaml } from './yaml.js';
