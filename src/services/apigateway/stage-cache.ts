// What a request to a stage needs before routing: where the API lives, the stage, and the deployment it serves
// (its snapshot and compiled router), read from SQLite once and kept until an API Gateway write. Every write
// to these records (APIs, stages, deployments, usage plans, keys, authorizers …) comes through a mutating API
// Gateway call, so the data plane forgets the lot when one runs (and on reset): a request never sees a stage
// older than the last answered control-plane call, and never pays a SQLite read + JSON.parse per request.
import type { Store } from '../../state/db.js';
import { Router } from './router.js';
import { GLOBAL, tables, type ApiDefinition, type ApiLocation, type StageRecord } from './store.js';

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

  constructor(private readonly store: Store) {}

  forget(): void {
    this.stages.clear();
    this.compiled.clear();
  }

  /** The API's location and its stage (undefined: no such API). */
  lookup(apiId: string, stageName: string): DeployedStage | undefined {
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
