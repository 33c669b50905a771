// API Gateway's public API for other services: what HTTP APIs (apigatewayv2) share with REST APIs.
export { Buckets } from './throttle.js';
export { callBackend, type BackendAnswer, type BackendErrors, type BackendVia } from './http-call.js';
// reading and writing API definitions (OpenAPI in JSON or YAML), shared with HTTP APIs' import and export
export { ApiDocumentError, readApiDocument } from './api-document.js';
export { toYaml } from './yaml.js';
// custom domain names: one namespace for REST and HTTP APIs, the records kept by this service
export {
  checkBasePath,
  checkCertificate,
  createDomain,
  findDomain,
  listDomains,
  removeDomain,
  resolveCustomDomain,
  restApiExists,
  restStageExists,
  saveDomain,
  type DomainRecord,
  type DomainTarget,
  type MappingRecord,
} from './domains.js';
// AWS service integrations: calls to Cumulus's own services signed as a role API Gateway assumes (HTTP APIs'
// integration subtypes reuse the REST side's path)
export { assumable, callAwsService, cannotAssume, type AwsCall, type AwsCallRequest, type AwsTarget } from './aws-call.js';
