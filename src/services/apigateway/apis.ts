// RestApis: create (with cloneFrom), get, list, update by patch, delete. The root resource "/" comes with the API.
import type { ApigatewayOperations, RestApi } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { deleteDocumentation } from './documentation.js';
import { badRequest, limitExceeded } from './errors.js';
import { checkLimit, LIMITS } from './limits.js';
import { newId } from './ids.js';
import { apiOf, page, saveApi } from './lookup.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';
import { expandPolicy } from './resource-policy.js';
import { GLOBAL, tables, type ApiRecord } from './store.js';

export function restApiView(api: ApiRecord): RestApi {
  return {
    id: api.id,
    name: api.name,
    description: api.description,
    createdDate: new Date(api.createdDate),
    version: api.version,
    binaryMediaTypes: api.binaryMediaTypes.length ? api.binaryMediaTypes : undefined,
    minimumCompressionSize: api.minimumCompressionSize,
    apiKeySource: api.apiKeySource,
    endpointConfiguration: api.endpointConfiguration,
    policy: api.policy,
    tags: Object.keys(api.tags).length ? api.tags : undefined,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    rootResourceId: api.rootResourceId,
  };
}

function checkPolicy(policy: string | undefined): void {
  if (policy === undefined) return;
  if (policy.length > LIMITS.policyLength) throw limitExceeded(`The resource policy is longer than ${LIMITS.policyLength} characters`);
  try {
    JSON.parse(policy);
  } catch {
    throw badRequest('Invalid policy document. Please check the policy syntax and try again.');
  }
}

function checkCompression(size: number | undefined): void {
  if (size !== undefined && (size < 0 || size > 10485760)) {
    throw badRequest('Invalid minimum compression size, must be between 0 and 10485760');
  }
}

const RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/name', '/description', '/version', '/policy', '/apiKeySource'),
  { path: '/minimumCompressionSize', ops: ['replace'], apply: (t, _op, v) => (t.minimumCompressionSize = v === undefined || v === '' ? undefined : Number(v)) },
  { path: '/disableExecuteApiEndpoint', ops: ['replace'], kind: 'boolean' },
  { path: '/binaryMediaTypes/*', ops: ['add', 'remove', 'replace'], kind: 'set' },
  {
    path: '/endpointConfiguration/types/*',
    ops: ['replace'],
    apply: (t, _op, v, wild) => {
      const types = t.endpointConfiguration.types as string[];
      const i = types.indexOf(wild[0]!);
      if (i < 0 || !v || !['EDGE', 'REGIONAL', 'PRIVATE'].includes(v)) throw badRequest(`Invalid patch path /endpointConfiguration/types/${wild[0]}`);
      types[i] = v;
    },
  },
  {
    path: '/endpointConfiguration/vpcEndpointIds',
    ops: ['add', 'remove', 'replace'],
    apply: (t, op, v) => {
      const ids: string[] = (t.endpointConfiguration.vpcEndpointIds ??= []);
      const given = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (op === 'add') for (const id of given) if (!ids.includes(id)) ids.push(id);
      if (op === 'remove') t.endpointConfiguration.vpcEndpointIds = ids.filter((id) => !given.includes(id));
      if (op === 'replace') t.endpointConfiguration.vpcEndpointIds = given;
    },
  },
];

export const apiHandlers: Handlers<ApigatewayOperations> = {
  CreateRestApi(ctx, input) {
    checkPolicy(input.policy);
    checkCompression(input.minimumCompressionSize);
    const t = tables(ctx.store);
    const id = newId();
    const types = input.endpointConfiguration?.types ?? ['EDGE'];
    if (types.length !== 1) throw badRequest('Cannot create an api with multiple Endpoint Types.');
    const sameType = t.apis.list(regional(ctx)).filter((a) => a.endpointConfiguration.types?.[0] === types[0]).length;
    checkLimit(sameType, types[0] === 'EDGE' ? LIMITS.edgeApis : types[0] === 'PRIVATE' ? LIMITS.privateApis : LIMITS.regionalApis, `${types[0]!.toLowerCase()} APIs per region`);
    if (types[0] !== 'PRIVATE' && input.endpointConfiguration?.vpcEndpointIds?.length) {
      throw badRequest('VPC endpoint ids can only be specified for PRIVATE Rest APIs.');
    }
    let api: ApiRecord;
    if (input.cloneFrom) {
      const source = apiOf(ctx, input.cloneFrom);
      api = structuredClone(source);
      // the clone gets ids of its own but the same structure
      const map = new Map<string, string>();
      for (const rid of Object.keys(source.resources)) map.set(rid, newId());
      api.resources = {};
      for (const r of Object.values(source.resources)) {
        const nid = map.get(r.id)!;
        api.resources[nid] = { ...structuredClone(r), id: nid, parentId: r.parentId ? map.get(r.parentId) : undefined };
      }
      api.rootResourceId = map.get(source.rootResourceId)!;
      api.tags = input.tags ?? {};
    } else {
      const rootId = newId();
      api = {
        id,
        name: input.name,
        binaryMediaTypes: [],
        apiKeySource: 'HEADER',
        rootResourceId: rootId,
        resources: { [rootId]: { id: rootId, path: '/', methods: {} } },
        models: {},
        validators: {},
        authorizers: {},
        gatewayResponses: {},
        createdDate: 0,
        endpointConfiguration: { types },
        disableExecuteApiEndpoint: false,
        tags: input.tags ?? {},
      };
      // every new API comes with the Empty and Error models
      api.models.Empty = { id: newId(), name: 'Empty', description: 'This is a default empty schema model', contentType: 'application/json', schema: '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n  "title" : "Empty Schema",\n  "type" : "object"\n}' };
      api.models.Error = { id: newId(), name: 'Error', description: 'This is a default error schema model', contentType: 'application/json', schema: '{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n  "title" : "Error Schema",\n  "type" : "object",\n  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}' };
    }
    Object.assign(api, {
      id,
      name: input.name,
      description: input.description ?? (input.cloneFrom ? api.description : undefined),
      version: input.version ?? (input.cloneFrom ? api.version : undefined),
      createdDate: ctx.clock.now(),
    });
    if (input.binaryMediaTypes) api.binaryMediaTypes = [...input.binaryMediaTypes];
    if (input.minimumCompressionSize !== undefined) api.minimumCompressionSize = input.minimumCompressionSize;
    if (input.apiKeySource) api.apiKeySource = input.apiKeySource;
    if (input.policy !== undefined) api.policy = expandPolicy(input.policy, ctx.region, ctx.account, id);
    if (input.endpointConfiguration) api.endpointConfiguration = { ...input.endpointConfiguration, types };
    if (input.disableExecuteApiEndpoint !== undefined) api.disableExecuteApiEndpoint = input.disableExecuteApiEndpoint;
    if (!api.endpointConfiguration.ipAddressType) api.endpointConfiguration.ipAddressType = 'ipv4';
    saveApi(ctx, api);
    t.index.put(GLOBAL, id, { account: ctx.account, region: ctx.region, disabled: api.disableExecuteApiEndpoint });
    return restApiView(api);
  },

  GetRestApi(ctx, { restApiId }) {
    return restApiView(apiOf(ctx, restApiId));
  },

  GetRestApis(ctx, { position, limit }) {
    const all = tables(ctx.store).apis.list(regional(ctx));
    const p = page(all, (a) => a.id, position, limit);
    return { items: p.items.map(restApiView), position: p.position };
  },

  UpdateRestApi(ctx, { restApiId, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    applyPatches(api, patchOperations, RULES);
    if (!api.name) throw badRequest('Invalid null or empty value in name');
    if (!['HEADER', 'AUTHORIZER'].includes(api.apiKeySource)) throw badRequest(`Invalid API Key source specified: ${api.apiKeySource}`);
    checkPolicy(api.policy);
    if (api.policy) api.policy = expandPolicy(api.policy, ctx.region, ctx.account, api.id);
    checkCompression(api.minimumCompressionSize);
    saveApi(ctx, api);
    tables(ctx.store).index.put(GLOBAL, api.id, { account: ctx.account, region: ctx.region, disabled: api.disableExecuteApiEndpoint });
    return restApiView(api);
  },

  DeleteRestApi(ctx, { restApiId }) {
    apiOf(ctx, restApiId);
    const t = tables(ctx.store);
    const scope = regional(ctx);
    t.apis.delete(scope, restApiId);
    t.index.delete(GLOBAL, restApiId);
    for (const s of t.stages.list(scope)) if (s.apiId === restApiId) t.stages.delete(scope, `${restApiId}/${s.stageName}`);
    for (const d of t.deployments.list(scope)) if (d.apiId === restApiId) t.deployments.delete(scope, `${restApiId}/${d.id}`);
    deleteDocumentation(ctx, restApiId);
    // usage plans drop the API's stages
    for (const plan of t.plans.list(scope)) {
      const kept = plan.apiStages.filter((s) => s.apiId !== restApiId);
      if (kept.length !== plan.apiStages.length) t.plans.put(scope, plan.id, { ...plan, apiStages: kept });
    }
  },
};
