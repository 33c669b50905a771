// Models (JSON schemas, kept as text and checked to be JSON) and request validators.
import type { ApigatewayOperations, Model, RequestValidator } from '../../generated/apigateway.js';
import type { Handlers } from '../define.js';
import { badRequest, conflict, notFound } from './errors.js';
import { newId } from './ids.js';
import { apiOf, page, saveApi } from './lookup.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';
import type { ApiRecord } from './store.js';

function checkSchema(schema: string | undefined): void {
  if (schema === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(schema);
  } catch {
    throw badRequest('Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified. Unsupported keyword(s): []]');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]');
  }
}

function modelOf(api: ApiRecord, name: string): Model {
  const m = api.models[name];
  if (!m) throw notFound('Invalid model name specified: ' + name);
  return m;
}

function validatorOf(api: ApiRecord, id: string): RequestValidator {
  const v = api.validators[id];
  if (!v) throw notFound('Invalid Request Validator identifier specified');
  return v;
}

const MODEL_RULES: PatchRule[] = scalars(['replace'], 'string', '/schema', '/description');
const VALIDATOR_RULES: PatchRule[] = [
  { path: '/name', ops: ['replace'] },
  ...scalars(['replace'], 'boolean', '/validateRequestBody', '/validateRequestParameters'),
];

function modelInUse(api: ApiRecord, name: string): boolean {
  for (const r of Object.values(api.resources)) {
    for (const m of Object.values(r.methods)) {
      if (Object.values(m.requestModels ?? {}).includes(name)) return true;
      for (const resp of Object.values(m.methodResponses ?? {})) if (Object.values(resp.responseModels ?? {}).includes(name)) return true;
    }
  }
  return false;
}

export const modelHandlers: Handlers<ApigatewayOperations> = {
  CreateModel(ctx, { restApiId, name, description, schema, contentType }) {
    const api = apiOf(ctx, restApiId);
    if (!/^[a-zA-Z0-9]+$/.test(name)) throw badRequest('Model name must be alphanumeric');
    if (api.models[name]) throw conflict('Model name already exists for this REST API');
    checkSchema(schema);
    const m: Model = { id: newId(), name, description, schema, contentType };
    api.models[name] = m;
    saveApi(ctx, api);
    return m;
  },
  GetModel(ctx, { restApiId, modelName }) {
    return modelOf(apiOf(ctx, restApiId), modelName);
  },
  GetModels(ctx, { restApiId, position, limit }) {
    const p = page(Object.values(apiOf(ctx, restApiId).models), (m) => m.id!, position, limit);
    return { items: p.items, position: p.position };
  },
  GetModelTemplate(ctx, { restApiId, modelName }) {
    modelOf(apiOf(ctx, restApiId), modelName);
    return { value: '#set($inputRoot = $input.path(\'$\'))\n{ }' };
  },
  UpdateModel(ctx, { restApiId, modelName, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const m = modelOf(api, modelName);
    applyPatches(m, patchOperations, MODEL_RULES);
    checkSchema(m.schema);
    saveApi(ctx, api);
    return m;
  },
  DeleteModel(ctx, { restApiId, modelName }) {
    const api = apiOf(ctx, restApiId);
    modelOf(api, modelName);
    if (modelInUse(api, modelName)) throw conflict(`Cannot delete model '${modelName}', is referenced in method request or method response.`);
    delete api.models[modelName];
    saveApi(ctx, api);
  },

  CreateRequestValidator(ctx, { restApiId, name, validateRequestBody, validateRequestParameters }) {
    const api = apiOf(ctx, restApiId);
    const v: RequestValidator = { id: newId(6), name, validateRequestBody: validateRequestBody ?? false, validateRequestParameters: validateRequestParameters ?? false };
    api.validators[v.id!] = v;
    saveApi(ctx, api);
    return v;
  },
  GetRequestValidator(ctx, { restApiId, requestValidatorId }) {
    return validatorOf(apiOf(ctx, restApiId), requestValidatorId);
  },
  GetRequestValidators(ctx, { restApiId, position, limit }) {
    const p = page(Object.values(apiOf(ctx, restApiId).validators), (v) => v.id!, position, limit);
    return { items: p.items, position: p.position };
  },
  UpdateRequestValidator(ctx, { restApiId, requestValidatorId, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const v = validatorOf(api, requestValidatorId);
    applyPatches(v, patchOperations, VALIDATOR_RULES);
    saveApi(ctx, api);
    return v;
  },
  DeleteRequestValidator(ctx, { restApiId, requestValidatorId }) {
    const api = apiOf(ctx, restApiId);
    validatorOf(api, requestValidatorId);
    delete api.validators[requestValidatorId];
    saveApi(ctx, api);
  },
};
