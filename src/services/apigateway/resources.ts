// Resources: the API's path tree. pathPart is a literal, a {param} or a greedy {proxy+}; a parent has at most
// one variable child; a greedy resource has no children. Deleting a resource deletes its subtree.
import type { ApigatewayOperations, Resource } from '../../generated/apigateway.js';
import type { Handlers } from '../define.js';
import { badRequest, conflict } from './errors.js';
import { checkLimit, LIMITS } from './limits.js';
import { newId } from './ids.js';
import { apiOf, page, resourceOf, saveApi } from './lookup.js';
import { methodView } from './methods.js';
import { applyPatches, type PatchRule } from './patch.js';
import type { ApiRecord, ResourceRecord } from './store.js';

const PATH_PART = /^(?:[a-zA-Z0-9._:-]+|\{[a-zA-Z0-9._-]+\+?\})$/;

export function resourceView(r: ResourceRecord, embedMethods: boolean): Resource {
  const methods = Object.values(r.methods);
  return {
    id: r.id,
    parentId: r.parentId,
    pathPart: r.pathPart,
    path: r.path,
    resourceMethods: methods.length ? Object.fromEntries(methods.map((m) => [m.httpMethod, embedMethods ? methodView(m) : {}])) : undefined,
  };
}

const isVariable = (part: string | undefined) => !!part && part.startsWith('{');

function checkPathPart(api: ApiRecord, parent: ResourceRecord, pathPart: string, self?: string): void {
  if (!PATH_PART.test(pathPart)) {
    throw badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.");
  }
  if (parent.pathPart?.endsWith('+}')) throw badRequest(`Cannot create a child of a resource with a greedy path variable: ${parent.pathPart}`);
  for (const sib of Object.values(api.resources)) {
    if (sib.parentId !== parent.id || sib.id === self) continue;
    if (sib.pathPart === pathPart) throw conflict(`Another resource with the same parent already has this name: ${pathPart}`);
    if (isVariable(pathPart) && isVariable(sib.pathPart)) {
      throw badRequest(`A sibling (${sib.pathPart}) of this resource already has a variable path part -- only one is allowed`);
    }
  }
}

function childPath(parent: ResourceRecord, pathPart: string): string {
  return parent.path === '/' ? `/${pathPart}` : `${parent.path}/${pathPart}`;
}

/** Recomputes the paths of a subtree after a rename or a move. */
function repath(api: ApiRecord, r: ResourceRecord): void {
  for (const child of Object.values(api.resources)) {
    if (child.parentId !== r.id) continue;
    child.path = childPath(r, child.pathPart!);
    repath(api, child);
  }
}

const RULES: PatchRule[] = [
  { path: '/pathPart', ops: ['replace'] },
  { path: '/parentId', ops: ['replace'] },
];

export const resourceHandlers: Handlers<ApigatewayOperations> = {
  CreateResource(ctx, { restApiId, parentId, pathPart }) {
    const api = apiOf(ctx, restApiId);
    const parent = resourceOf(api, parentId);
    checkPathPart(api, parent, pathPart);
    checkLimit(Object.keys(api.resources).length, LIMITS.resourcesPerApi, 'resources per API');
    const r: ResourceRecord = { id: newId(), parentId, pathPart, path: childPath(parent, pathPart), methods: {} };
    api.resources[r.id] = r;
    saveApi(ctx, api);
    return resourceView(r, false);
  },

  GetResource(ctx, { restApiId, resourceId, embed }) {
    const api = apiOf(ctx, restApiId);
    return resourceView(resourceOf(api, resourceId), !!embed?.includes('methods'));
  },

  GetResources(ctx, { restApiId, position, limit, embed }) {
    const api = apiOf(ctx, restApiId);
    const all = Object.values(api.resources).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const p = page(all, (r) => r.id, position, limit);
    return { items: p.items.map((r) => resourceView(r, !!embed?.includes('methods'))), position: p.position };
  },

  UpdateResource(ctx, { restApiId, resourceId, patchOperations }) {
    const api = apiOf(ctx, restApiId);
    const r = resourceOf(api, resourceId);
    if (r.id === api.rootResourceId) throw badRequest('Root resource cannot be updated');
    const draft = { pathPart: r.pathPart, parentId: r.parentId };
    applyPatches(draft, patchOperations, RULES);
    const parent = resourceOf(api, draft.parentId!);
    for (let p: ResourceRecord | undefined = parent; p; p = p.parentId ? api.resources[p.parentId] : undefined) {
      if (p.id === r.id) throw badRequest('Resources cannot be cyclical.');
    }
    checkPathPart(api, parent, draft.pathPart!, r.id);
    r.pathPart = draft.pathPart;
    r.parentId = draft.parentId;
    r.path = childPath(parent, r.pathPart!);
    repath(api, r);
    saveApi(ctx, api);
    return resourceView(r, false);
  },

  DeleteResource(ctx, { restApiId, resourceId }) {
    const api = apiOf(ctx, restApiId);
    const r = resourceOf(api, resourceId);
    if (r.id === api.rootResourceId) throw badRequest('Cannot delete root resource');
    const doomed = new Set([r.id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const x of Object.values(api.resources)) {
        if (x.parentId && doomed.has(x.parentId) && !doomed.has(x.id)) {
          doomed.add(x.id);
          grew = true;
        }
      }
    }
    for (const id of doomed) delete api.resources[id];
    saveApi(ctx, api);
  },
};
