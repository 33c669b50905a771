// Which resource and method a request path reaches, as API Gateway routes: at each level a literal path part
// before a {param} before a greedy {proxy+} (which takes one or more segments); the method itself before ANY.
import type { ApiDefinition, MethodRecord, ResourceRecord } from './store.js';

interface TrieNode {
  resource: ResourceRecord;
  literals: Map<string, TrieNode>;
  param?: { name: string; node: TrieNode };
  greedy?: { name: string; node: TrieNode };
}

export interface Route {
  resource: ResourceRecord;
  method: MethodRecord;
  pathParameters: Record<string, string>;
  /** `{resource path without its leading /}/{method}`: the key of the stage's method settings */
  settingKey: string;
}

export class Router {
  private readonly root: TrieNode;

  constructor(def: ApiDefinition) {
    const nodes = new Map<string, TrieNode>();
    for (const r of Object.values(def.resources)) nodes.set(r.id, { resource: r, literals: new Map() });
    for (const n of nodes.values()) {
      const parent = n.resource.parentId ? nodes.get(n.resource.parentId) : undefined;
      const part = n.resource.pathPart;
      if (!parent || !part) continue;
      if (part.endsWith('+}')) parent.greedy = { name: part.slice(1, -2), node: n };
      else if (part.startsWith('{')) parent.param = { name: part.slice(1, -1), node: n };
      else parent.literals.set(part, n);
    }
    this.root = nodes.get(def.rootResourceId)!;
  }

  /** The resource a path reaches (segments already percent-decoded), with its path parameters. */
  resolve(segments: string[]): { resource: ResourceRecord; pathParameters: Record<string, string> } | undefined {
    const params: Record<string, string> = {};
    const found = this.walk(this.root, segments, 0, params);
    return found ? { resource: found.resource, pathParameters: params } : undefined;
  }

  private walk(node: TrieNode, segs: string[], i: number, params: Record<string, string>): TrieNode | undefined {
    if (i === segs.length) return node;
    const seg = segs[i]!;
    const lit = node.literals.get(seg);
    if (lit) {
      const hit = this.walk(lit, segs, i + 1, params);
      if (hit) return hit;
    }
    if (node.param) {
      const hit = this.walk(node.param.node, segs, i + 1, params);
      if (hit) {
        params[node.param.name] = seg;
        return hit;
      }
    }
    if (node.greedy) {
      params[node.greedy.name] = segs.slice(i).join('/');
      return node.greedy.node;
    }
    return undefined;
  }

  route(segments: string[], httpMethod: string): Route | undefined {
    const r = this.resolve(segments);
    if (!r) return undefined;
    const method = r.resource.methods[httpMethod] ?? r.resource.methods.ANY;
    return method ? { resource: r.resource, method, pathParameters: r.pathParameters, settingKey: this.settingKey(r.resource, method) } : undefined;
  }

  private readonly keys = new Map<MethodRecord, string>();

  private settingKey(resource: ResourceRecord, method: MethodRecord): string {
    let k = this.keys.get(method);
    if (k === undefined) this.keys.set(method, (k = `${resource.path.replace(/^\//, '')}/${method.httpMethod}`));
    return k;
  }
}
