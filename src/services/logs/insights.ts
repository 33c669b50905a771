// Logs Insights: StartQuery runs the query at once over the groups' events in [startTime, endTime] (epoch
// seconds) and keeps the outcome; GetQueryResults, StopQuery and DescribeQueries read it back.
import { randomUUID } from 'node:crypto';
import type {
  DescribeQueriesRequest,
  DescribeQueriesResponse,
  GetQueryResultsResponse,
  QueryStatistics,
  ResultField,
  StartQueryRequest,
} from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { type RequestContext, regional } from '../../server/context.js';
import type { Store, Table } from '../../state/db.js';
import { eventsTable } from './events-table.js';
import { positionDigits } from './get-events.js';
import { parseQuery } from './insights-parse.js';
import { runQuery, type SourceEvent } from './insights-run.js';
import { groupNameOf, groupNotFound, groupsTable, SERVICE } from './store.js';

interface QueryRecord {
  queryId: string;
  queryString: string;
  logGroupNames: string[];
  createTime: number;
  status: 'Complete' | 'Cancelled';
  results: ResultField[][];
  statistics: QueryStatistics;
  durationMs: number;
}

const queriesTable = (store: Store): Table<QueryRecord> => store.table<QueryRecord>(SERVICE, 'query');

/** Log groups one query may name (an AWS quota). */
const MAX_GROUPS = 50;

export function startQuery(ctx: RequestContext, input: StartQueryRequest): { queryId: string } {
  if (input.queryLanguage && input.queryLanguage !== 'CWLI') {
    throw new AwsError('InvalidParameterException', `Query language ${input.queryLanguage} is not supported by Cumulus; use CWLI.`);
  }
  const given = [input.logGroupName, input.logGroupNames, input.logGroupIdentifiers].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new AwsError('InvalidParameterException', 'Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.');
  }
  if (input.endTime < input.startTime) throw new AwsError('InvalidParameterException', 'End time must not be before start time.');
  const names = input.logGroupName
    ? [input.logGroupName]
    : (input.logGroupNames ?? input.logGroupIdentifiers!.map((id) => groupNameOf({ logGroupIdentifier: id })));
  if (names.length > MAX_GROUPS) throw new AwsError('InvalidParameterException', `A query can name at most ${MAX_GROUPS} log groups.`);
  const scope = regional(ctx);
  for (const n of names) if (!groupsTable(ctx.store).has(scope, n)) throw groupNotFound();
  const commands = parseQuery(input.queryString);
  const queryId = randomUUID();
  const started = performance.now();
  const events = eventsTable(ctx.store);
  function* source(): Generator<SourceEvent> {
    for (const [gi, name] of names.entries()) {
      for (const r of events.groupEvents(scope, name, { startTime: input.startTime * 1000, endTime: input.endTime * 1000 + 999 })) {
        yield {
          timestamp: r.timestamp,
          ingestionTime: r.ingestion_time,
          message: r.message,
          logStream: r.log_stream,
          log: `${ctx.account}:${name}`,
          ptr: Buffer.from(`${gi}:${positionDigits({ timestamp: r.timestamp, seq: r.seq })}`).toString('base64'),
        };
      }
    }
  }
  const out = runQuery(commands, source(), input.limit ?? 10_000);
  queriesTable(ctx.store).put(scope, queryId, {
    queryId,
    queryString: input.queryString,
    logGroupNames: names,
    createTime: ctx.clock.now(),
    status: 'Complete',
    results: out.results,
    statistics: { recordsMatched: out.recordsMatched, recordsScanned: out.recordsScanned, bytesScanned: out.bytesScanned, logGroupsScanned: names.length },
    durationMs: Math.round(performance.now() - started),
  });
  return { queryId };
}

function requireQuery(ctx: RequestContext, queryId: string): QueryRecord {
  const q = queriesTable(ctx.store).get(regional(ctx), queryId);
  if (!q) throw new AwsError('ResourceNotFoundException', `Query ${queryId} does not exist.`);
  return q;
}

export function getQueryResults(ctx: RequestContext, queryId: string): GetQueryResultsResponse {
  const q = requireQuery(ctx, queryId);
  return { queryLanguage: 'CWLI', results: q.results, statistics: q.statistics, status: q.status };
}

/** Queries finish inside StartQuery, so there is never a running one to stop. */
export function stopQuery(ctx: RequestContext, queryId: string): { success: boolean } {
  requireQuery(ctx, queryId);
  return { success: false };
}

export function describeQueries(ctx: RequestContext, input: DescribeQueriesRequest): DescribeQueriesResponse {
  const queries = queriesTable(ctx.store)
    .list(regional(ctx))
    .filter((q) => (input.logGroupName === undefined || q.logGroupNames.includes(input.logGroupName)) && (input.status === undefined || q.status === input.status))
    .sort((a, b) => b.createTime - a.createTime);
  const page = paginate(queries, (q) => q.queryId, { token: input.nextToken, max: input.maxResults, defaultMax: 1000 });
  return {
    queries: page.items.map((q) => ({
      queryLanguage: 'CWLI',
      queryId: q.queryId,
      queryString: q.queryString,
      status: q.status,
      createTime: q.createTime,
      logGroupName: q.logGroupNames[0],
      queryDuration: q.durationMs,
      bytesScanned: q.statistics.bytesScanned,
    })),
    nextToken: page.next,
  };
}
