// The syntax tree of a Velocity (VTL) template: text, references and directives.

export type Step = { kind: 'prop'; name: string } | { kind: 'call'; name: string; args: Expr[] } | { kind: 'index'; expr: Expr };

export interface RefExpr {
  type: 'ref';
  name: string;
  steps: Step[];
  /** `$!x`: renders nothing when null */
  quiet: boolean;
  /** the reference as written, rendered as is when it is null (Velocity's habit) */
  source: string;
}

export type Expr =
  | RefExpr
  | { type: 'literal'; value: unknown }
  | { type: 'interp'; nodes: Node[] }
  | { type: 'list'; items: Expr[] }
  | { type: 'range'; from: Expr; to: Expr }
  | { type: 'map'; entries: [Expr, Expr][] }
  | { type: 'unary'; op: '!' | '-'; expr: Expr }
  | { type: 'binary'; op: string; left: Expr; right: Expr };

export type Node =
  | { type: 'text'; text: string }
  | { type: 'ref'; ref: RefExpr }
  | { type: 'set'; target: RefExpr; value: Expr }
  | { type: 'if'; branches: { cond: Expr; body: Node[] }[]; otherwise?: Node[] }
  | { type: 'foreach'; variable: string; iterable: Expr; body: Node[] }
  | { type: 'break' }
  | { type: 'stop' };

export class VtlError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = 'VtlError';
  }
}
