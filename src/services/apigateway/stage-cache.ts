// What a request to a stage needs before routing: where the API lives, the stage, and the deployment it serves
// (its snapshot and compiled router), read from SQLite once and kept while no API Gateway record has changed
// (Store.generation: every write to these records — APIs, stages, deployments … — and every reset moves it),
// so a request never sees a stage older than the last write and never pays a SQLite read + JSON.parse per
// request.
import type { Store } from '../../state/db.js';
import { Router } from './router.js';
import { GLOBAL, SERVICE, tables, type ApiDefinition, type ApiLocation, type StageRecord } from './store.js';

export interface Compiled {
  def: ApiDefinition;
  router: Router;
}

export interface DeployedStage {
  loc: ApiLocation;
  stage?: StageRecord;
  compiled?: Compiled;
}

/** Bounds the memory a client can make the cache hold by addressing many missing APIs or stages. */
const MAX_ENTRIES = 10_000;

export class StageCache {
  private readonly stages = new Map<string, DeployedStage | null>();
  /** Deployments never change: their compiled form outlives stage entries, until a write drops them all. */
  private readonly compiled = new Map<string, Compiled | null>();

  /** the store's API Gateway generation the entries were read at */
  private generation = -1;

  constructor(private readonly store: Store) {}

  /** Drops every entry once an API Gateway record has changed since they were read. */
  private current(): void {
    const g = this.store.generation(SERVICE);
    if (g === this.generation) return;
    this.generation = g;
    this.stages.clear();
    this.compiled.clear();
  }

  /** The API's location and its stage (undefined: no such API). */
  lookup(apiId: string, stageName: string): DeployedStage | undefined {
    this.current();
    const key = `${apiId}/${stageName}`;
    let hit = this.stages.get(key);
    if (hit === undefined) {
      const t = tables(this.store);
      const loc = t.index.get(GLOBAL, apiId);
      if (loc) {
        const stage = t.stages.get(loc, key);
        hit = { loc, stage, compiled: stage ? this.compile(loc, apiId, stage.deploymentId) : undefined };
      } else hit = null;
      if (this.stages.size >= MAX_ENTRIES) this.stages.clear();
      this.stages.set(key, hit);
    }
    return hit ?? undefined;
  }

  compile(loc: ApiLocation, apiId: string, deploymentId: string): Compiled | undefined {
    this.current();
    const key = `${loc.account}/${loc.region}/${apiId}/${deploymentId}`;
    let c = this.compiled.get(key);
    if (c === undefined) {
      const d = tables(this.store).deployments.get(loc, `${apiId}/${deploymentId}`);
      c = d ? { def: d.snapshot, router: new Router(d.snapshot) } : null;
      if (this.compiled.size >= MAX_ENTRIES) this.compiled.clear();
      this.compiled.set(key, c);
    }
    return c ?? undefined;
  }
}
