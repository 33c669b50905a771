// A Velocity (VTL) engine for API Gateway's mapping templates: parse once, render against variables.
import type { Node } from './ast.js';
import { Renderer } from './evaluate.js';
import { Parser } from './parser.js';

export { VtlError } from './ast.js';
export { jsonPath } from './jsonpath.js';
export { HostObject, toText } from './values.js';

const cache = new Map<string, Node[]>();

export function parseTemplate(template: string): Node[] {
  let nodes = cache.get(template);
  if (!nodes) {
    nodes = Parser.parse(template);
    if (cache.size > 1000) cache.clear();
    cache.set(template, nodes);
  }
  return nodes;
}

/** Renders a template; throws VtlError for a template that does not parse or runs away. */
export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  return new Renderer(new Map(Object.entries(vars))).render(parseTemplate(template));
}
