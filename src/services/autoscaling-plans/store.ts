// Auto Scaling plans' records: one scaling plan per name (version 1), with what applying each of its scaling
// instructions did to the resource (the policies the plan made, the resource's scaling status).
import type { ApplicationSource, ScalingInstruction, ScalingPlan, ScalingPlanResource } from '../../generated/autoscaling-plans.js';
import { regional, type Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';

export const SERVICE = 'autoscaling-plans';

export type StatusCode = ScalingPlan['StatusCode'];

/** What the plan did to one resource of its instructions. */
export interface ResourceState {
  ServiceNamespace: ScalingInstruction['ServiceNamespace'];
  ResourceId: string;
  ScalableDimension: ScalingInstruction['ScalableDimension'];
  ScalingStatusCode: ScalingPlanResource['ScalingStatusCode'];
  ScalingStatusMessage?: string;
  /** the scaling policies the plan created on the resource (deleted with the plan) */
  ScalingPolicies: NonNullable<ScalingPlanResource['ScalingPolicies']>;
  /** the scheduled actions predictive scaling put on the group (deleted with the plan) */
  scheduledActions?: string[];
}

export interface PlanRecord {
  ScalingPlanName: string;
  ScalingPlanVersion: number;
  ApplicationSource: ApplicationSource;
  ScalingInstructions: ScalingInstruction[];
  StatusCode: StatusCode;
  StatusMessage?: string;
  StatusStartTime: string;
  CreationTime: string;
  /** by resource key (namespace|id|dimension) */
  resources: Record<string, ResourceState>;
}

export const plans = (rt: Pick<Runtime, 'store'>) => rt.store.table<PlanRecord>(SERVICE, 'plan');

export const planKey = (name: string, version: number) => `${name}|${version}`;
export const resourceKey = (i: { ServiceNamespace: string; ResourceId: string; ScalableDimension: string }) =>
  `${i.ServiceNamespace}|${i.ResourceId}|${i.ScalableDimension}`;

export const scopeOf = (ctx: { account: string; region: string }): Scope => regional(ctx);
