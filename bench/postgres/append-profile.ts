/**
 * Focused A/B of the PostgreSQL store's append against the raw batched insert of bench/append.ts
 * (same rows, same pool, same raw statement), and where the time of the b1w16 case goes.
 *
 * 1. Ratios: for b1w1, b1w16, b20w1, b20w16, `ROUNDS` rounds; each round runs the store and then
 *    raw (the order alternates per round) over `PER_ROUND` messages into fresh conversations.
 *    Reported: total msg/s of each side over all rounds and the ratio, plus the per-round ratios.
 * 2. b1w16 breakdown, each side run alone: client CPU per append (`process.cpuUsage`, µs), server
 *    CPU per append (utime+stime of this pool's backends from /proc, plus walwriter/checkpointer/
 *    bgwriter, µs; needs the server on this machine), WAL records/bytes/full-page images per append
 *    (`pg_stat_wal`, cluster-wide), HOT updates of the conversations table, wait events sampled every
 *    2 ms from a separate connection, and a CPU profile of the client (node:inspector) grouped by
 *    where the code lives.
 * 3. `EXPLAIN (ANALYZE, BUFFERS, WAL)` of one one-message append and one raw insert (rolled back).
 *
 * Also reported per configuration: CPU per message (client + this pool's server processes) of each
 * side; on 2 cores shared by client and server, raw CPU ÷ store CPU is the throughput ratio the
 * store reaches once both are CPU-bound, and it is far less sensitive to other sessions' load
 * than msg/s. `--base <dir>` adds the store of another checkout as a third contender (before/after
 * in one run); `--only b1w16` one configuration; `--no-breakdown`, `--no-profile` skip parts.
 *
 * Run: `npx tsx bench/postgres/append-profile.ts [--rounds 8] [--base dir] [--only b1w16] [--no-breakdown] [--no-profile]` (DATABASE_URL, default
 * the local server). Bounded: 4 configurations × rounds × (PER_ROUND store + PER_ROUND raw) messages,
 * under a minute at the defaults on 2 cores. Own schema, dropped at the end.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import type { NewMessage } from '../../src/types.js';
import { measure, rawWriter, type RawWriter } from '../append.js';
import { DATABASE_URL, openBackend } from '../lib/backends.js';
import { preparedCorpus } from '../lib/dataset.js';
import { chunk, formatRatio, thousands } from '../lib/stats.js';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const ROUNDS = argument('rounds', 8);
/** Messages per side per round: enough for ≥ 0.3 s of work per side on 2 cores. */
const PER_ROUND: Record<number, number> = { 1: argument('per-round', 480), 20: argument('per-round', 1920) };
const PROFILE = !process.argv.includes('--no-profile');
/** `--spread N`: N filler conversations (another tenant) before each writer's, so writers' rows do not share a heap page (diagnosis only). */
const SPREAD = argument('spread', 0);
/** `--base <dir>`: also run the store of another checkout (e.g. `git archive main src | tar -x -C dir`), for before/after in one run. */
const BASE = process.argv.includes('--base') ? process.argv[process.argv.indexOf('--base') + 1] : undefined;
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const scope = { tenantId: 'bench-append', userId: 'u1' };
const APP = `llmctx_append_profile_${process.pid}`;
// node-postgres reads PGAPPNAME for every connection it opens: our backends are then identifiable.
process.env.PGAPPNAME = APP;

/** Called around the timed part of a side's run (after its conversations exist). */
interface Hooks {
  start(): Promise<void>;
  stop(): Promise<void>;
}
const NO_HOOKS: Hooks = { start: async () => undefined, stop: async () => undefined };
/** One contender: appends `count` messages as `batches` (per writer) from `workers` writers; returns msg/s. */
type Side = (batches: NewMessage[][][], count: number, workers: number, hooks?: Hooks) => Promise<number>;

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s.

function processCpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12]: utime, stime (fields 14 and 15 of proc(5), counted from 1 after pid and comm).
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return 0;
  }
}

async function main() {
  const total = Math.max(...Object.values(PER_ROUND));
  const corpus = await preparedCorpus(total);
  const backend = await openBackend('postgres', 'appendprof');
  // Keep idle connections open (pg-pool closes them after 10 s by default): the per-backend CPU
  // readings follow a fixed set of server processes, and neither side pays for new connections.
  (backend.pool!.options as { idleTimeoutMillis?: number }).idleTimeoutMillis = 0;
  const monitor = new pg.Client({ connectionString: DATABASE_URL, application_name: `${APP}_monitor` });
  await monitor.connect();
  try {
    const raw = (await rawWriter(backend))!;
    const settings = await monitor.query(`SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit','fsync','wal_level','full_page_writes','commit_delay','max_connections','shared_buffers')`);
    console.log(`settings (same session defaults for both sides, one pool): ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(' ')}`);
    console.log(`pool max: ${backend.pool!.options.max}; load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

    const configs = [
      [1, 1],
      [1, 16],
      [20, 1],
      [20, 16],
    ].filter(([batch, workers]) => !ONLY || ONLY === `b${batch}w${workers}`);
    let conversationCounter = 0;
    const newConversations = async (workers: number) => {
      const ids: string[] = [];
      for (let writer = 0; writer < workers; writer += 1) {
        const id = `c${(conversationCounter += 1)}`;
        for (let filler = 0; filler < SPREAD; filler += 1) await backend.store.createConversation({ tenantId: 'bench-filler' }, { id: `${id}-f${filler}` });
        await backend.store.createConversation(scope, { id });
        ids.push(id);
      }
      return ids;
    };
    let rawCounter = 0;
    const storeSide: Side = async (batches, count, workers, hooks = NO_HOOKS) => {
      const ids = await newConversations(workers);
      await hooks.start();
      const rate = await measure(count, workers, (writer, batch) => backend.store.appendMessages(scope, ids[writer]!, batch), batches);
      await hooks.stop();
      return rate;
    };
    const rawSide: Side = async (batches, count, workers, hooks = NO_HOOKS) => {
      const base = (rawCounter += 1) * 100;
      const write: RawWriter = (writer, batch, firstSeq) => raw(base + writer, batch, firstSeq);
      await hooks.start();
      const rate = await measure(count, workers, write, batches);
      await hooks.stop();
      return rate;
    };

    // Warm-up: connections, prepared statements, caches.
    const warm = chunk(corpus.slice(0, 320), 20).map((share) => chunk(share, 1));
    for (const side of [storeSide, rawSide]) await side(warm, 320, 16);

    const ourPids = async () =>
      (await monitor.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [APP])).rows.map((row) => row.pid);
    const auxPids = (
      await monitor.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE backend_type IN ('walwriter','checkpointer','background writer')`)
    ).rows.map((row) => row.pid);
    /** Runs `side` and returns its msg/s and the CPU it took: this process, this pool's backends, the WAL writer/checkpointer/bgwriter (µs). */
    const timed = async (side: Side, batches: NewMessage[][][], count: number, workers: number) => {
      let pids: number[] = [];
      const server = () => pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0) + auxPids.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
      let serverBefore = 0;
      let serverTotal = 0;
      let clientBefore = process.cpuUsage();
      let clientTotal = 0;
      // Only the appends are measured, not the conversations each side creates first.
      const rate = await side(batches, count, workers, {
        start: async () => {
          pids = await ourPids();
          serverBefore = server();
          clientBefore = process.cpuUsage();
        },
        stop: async () => {
          const client = process.cpuUsage(clientBefore);
          clientTotal = client.user + client.system;
          serverTotal = server() - serverBefore;
          const after = await ourPids();
          // A backend that exits mid-run would take its CPU with it.
          if (after.length !== pids.length || pids.some((pid) => !after.includes(pid))) console.log(`(the pool's backends changed during a run: ${pids.length} → ${after.length}; its server CPU is incomplete)`);
        },
      });
      return { rate, client: clientTotal, server: serverTotal };
    };
    // Optional third contender: the store from another checkout (`--base <dir>` holding a `src/`), its own tables in the same schema and pool.
    const contenders: [string, Side][] = [
      ['store', storeSide],
      ['raw', rawSide],
    ];
    if (BASE) {
      const module = (await import(`${BASE}/src/stores/postgres/index.js`)) as typeof import('../../src/stores/postgres/index.js');
      const baseStore = await module.createPostgresStore({ client: backend.pool!, schema: backend.schema!, tablePrefix: 'base_' });
      await baseStore.migrate();
      let baseCounter = 0;
      const baseSide: Side = async (batches, count, workers, hooks = NO_HOOKS) => {
        const ids: string[] = [];
        for (let writer = 0; writer < workers; writer += 1) {
          const id = `b${(baseCounter += 1)}`;
          await baseStore.createConversation(scope, { id });
          ids.push(id);
        }
        await hooks.start();
        const rate = await measure(count, workers, (writer, batch) => baseStore.appendMessages(scope, ids[writer]!, batch), batches);
        await hooks.stop();
        return rate;
      };
      await baseSide(warm, 320, 16);
      contenders.push(['base', baseSide]);
    }

    console.log(`\n## Ratios (${ROUNDS} interleaved rounds per configuration; each round runs every contender once, the order rotating)\n`);
    const others = contenders.filter(([name]) => name !== 'raw').map(([name]) => name);
    console.log(`| config | ${contenders.map(([name]) => `${name} msg/s`).join(' | ')} | ${others.map((name) => `${name} ÷ raw (total)`).join(' | ')} | ${others.map((name) => `${name} ÷ raw per round (median; all)`).join(' | ')} |`);
    console.log(`|---|${contenders.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|${others.map(() => '---').join('|')}|`);
    const cpuRows: string[] = [];
    for (const [batchSize, workers] of configs) {
      const count = PER_ROUND[batchSize!]!;
      const perWriter = chunk(corpus.slice(0, count), Math.ceil(count / workers!)).map((share) => chunk(share, batchSize!));
      const seconds = new Map<string, number>();
      const rounds = new Map<string, number[]>();
      const clientCpu = new Map<string, number>();
      const serverCpu = new Map<string, number>();
      for (let round = 0; round < ROUNDS; round += 1) {
        const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]!);
        const rates = new Map<string, number>();
        for (const [name, side] of order) {
          const result = await timed(side, perWriter, count, workers!);
          rates.set(name, result.rate);
          clientCpu.set(name, (clientCpu.get(name) ?? 0) + result.client);
          serverCpu.set(name, (serverCpu.get(name) ?? 0) + result.server);
        }
        for (const [name, rate] of rates) seconds.set(name, (seconds.get(name) ?? 0) + count / rate);
        for (const name of others) rounds.set(name, [...(rounds.get(name) ?? []), rates.get(name)! / rates.get('raw')!]);
      }
      const rate = (name: string) => (count * ROUNDS) / seconds.get(name)!;
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      console.log(
        `| b${batchSize}w${workers} | ${contenders.map(([name]) => thousands(rate(name))).join(' | ')} | ${others.map((name) => formatRatio(rate(name) / rate('raw'))).join(' | ')} | ${others
          .map((name) => `${median(rounds.get(name)!).toFixed(2)}; ${rounds.get(name)!.map((ratio) => ratio.toFixed(2)).join(' ')}`)
          .join(' | ')} |`,
      );
      const perMessage = (map: Map<string, number>, name: string) => map.get(name)! / (count * ROUNDS);
      cpuRows.push(
        `| b${batchSize}w${workers} | ${contenders.map(([name]) => `${perMessage(clientCpu, name).toFixed(0)} + ${perMessage(serverCpu, name).toFixed(0)}`).join(' | ')} | ${others
          .map((name) => ((perMessage(clientCpu, 'raw') + perMessage(serverCpu, 'raw')) / (perMessage(clientCpu, name) + perMessage(serverCpu, name))).toFixed(2))
          .join(' | ')} |`,
      );
    }
    console.log(`\nCPU per message during those rounds, µs (client + server: this pool's backends and WAL writer/checkpointer/bgwriter; /proc at ${CLK_TCK} Hz), and raw CPU ÷ contender CPU (the throughput ratio when both are CPU-bound):\n`);
    console.log(`| config | ${contenders.map(([name]) => `${name} client + server`).join(' | ')} | ${others.map((name) => `raw CPU ÷ ${name} CPU`).join(' | ')} |`);
    console.log(`|---|${contenders.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|`);
    console.log(cpuRows.join('\n'));
    console.log(`\nload after ratios: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

    if ((ONLY && ONLY !== 'b1w16') || process.argv.includes('--no-breakdown')) return;
    // --- b1w16 breakdown ---
    const count = PER_ROUND[1]!;
    const perWriter = chunk(corpus.slice(0, count), Math.ceil(count / 16)).map((share) => chunk(share, 1));
    const walStats = async (): Promise<Record<string, unknown>> => (await monitor.query(`SELECT wal_records::bigint AS records, wal_fpi::bigint AS fpi, wal_bytes::bigint AS bytes FROM pg_stat_wal`)).rows[0]!;
    const hotStats = async () =>
      (
        await monitor.query(`SELECT relname, n_tup_upd::bigint AS upd, n_tup_hot_upd::bigint AS hot FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'llmctx_conversations'`, [
          backend.schema,
        ])
      ).rows[0];

    console.log('\n## b1w16 breakdown (per append = per message; each side alone, 3 runs each, interleaved)\n');
    const breakdown: Record<string, { client: number; server: number; aux: number; wall: number; records: number; fpi: number; bytes: number; n: number }> = {};
    for (let run = 0; run < 3; run += 1) {
      for (const [name, side] of [
        ['store', storeSide],
        ['raw', rawSide],
      ] as const) {
        let pids: number[] = [];
        let serverBefore = 0;
        let auxBefore = 0;
        let walBefore: Record<string, unknown> = {};
        let cpuBefore = process.cpuUsage();
        let started = 0;
        const entry = (breakdown[name] ??= { client: 0, server: 0, aux: 0, wall: 0, records: 0, fpi: 0, bytes: 0, n: 0 });
        await side(perWriter, count, 16, {
          start: async () => {
            pids = await ourPids();
            serverBefore = pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
            auxBefore = auxPids.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
            walBefore = await walStats();
            cpuBefore = process.cpuUsage();
            started = performance.now();
          },
          stop: async () => {
            const wall = performance.now() - started;
            const cpu = process.cpuUsage(cpuBefore);
            const walAfter = await walStats();
            entry.client += cpu.user + cpu.system;
            entry.server += pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0) - serverBefore;
            entry.aux += auxPids.reduce((sum, pid) => sum + processCpuMicros(pid), 0) - auxBefore;
            entry.wall += wall * 1000;
            entry.records += Number(walAfter.records) - Number(walBefore.records);
            entry.fpi += Number(walAfter.fpi) - Number(walBefore.fpi);
            entry.bytes += Number(walAfter.bytes) - Number(walBefore.bytes);
          },
        });
        entry.n += count;
      }
    }
    console.log('| side | wall µs/msg | client CPU µs/msg | backend CPU µs/msg | wal/ckpt/bgwriter CPU µs/msg | WAL records/msg | WAL bytes/msg | FPI/msg |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, entry] of Object.entries(breakdown)) {
      const per = (value: number) => (value / entry.n).toFixed(0);
      console.log(`| ${name} | ${per(entry.wall)} | ${per(entry.client)} | ${per(entry.server)} | ${per(entry.aux)} | ${(entry.records / entry.n).toFixed(2)} | ${per(entry.bytes)} | ${(entry.fpi / entry.n).toFixed(3)} |`);
    }
    console.log(`(server CPU from /proc at ${CLK_TCK} Hz over ${breakdown.store!.n} messages per side; our backends: ${(await ourPids()).length})`);

    // HOT updates and wait events (sampling costs the monitor's CPU: a separate run).
    const hotBefore = await hotStats();
    const waits = new Map<string, number>();
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rows = (
          await monitor.query(`SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, state) AS w FROM pg_stat_activity WHERE application_name = $1`, [APP])
        ).rows;
        samples += 1;
        for (const row of rows) waits.set(row.w, (waits.get(row.w) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await storeSide(perWriter, count, 16);
    sampling = false;
    await sampler;
    const hotAfter = await hotStats();
    console.log(
      `\nconversation row updates during one store b1w16 run: ${Number(hotAfter.upd) - Number(hotBefore.upd)}, HOT: ${Number(hotAfter.hot) - Number(hotBefore.hot)} (pg_stat counters lag up to 0.5 s)`,
    );
    console.log(`wait events of the pool's backends (store b1w16, ${samples} samples; 'CPU:active' = running, 'Client:ClientRead'/'CPU:idle' = waiting for the client):`);
    console.log([...waits.entries()].sort((a, b) => b[1] - a[1]).map(([wait, n]) => `  ${wait}: ${n}`).join('\n'));

    if (PROFILE) {
      // Sampled self time per message (µs), both sides, 2 runs each: what the client does per append.
      const profiles: Record<string, { byArea: Map<string, number>; byFunction: Map<string, number>; messages: number }> = {};
      for (let run = 0; run < 2; run += 1) {
        for (const [name, side] of [
          ['store', storeSide],
          ['raw', rawSide],
        ] as const) {
          const session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: 50 });
          await session.post('Profiler.start');
          await side(perWriter, count, 16);
          const { profile } = await session.post('Profiler.stop');
          session.disconnect();
          const entry = (profiles[name] ??= { byArea: new Map(), byFunction: new Map(), messages: 0 });
          entry.messages += count;
          const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
          const deltas = profile.timeDeltas ?? [];
          (profile.samples ?? []).forEach((id, index) => {
            const node = nodes.get(id)!;
            const url = node.callFrame.url;
            if (node.callFrame.functionName === '(idle)') return;
            const micros = deltas[index + 1] ?? 0;
            const area = url.includes('/node_modules/pg') ? 'pg driver' : url.includes('/src/') ? 'llm-context src' : url.includes('/bench/') ? 'bench' : url === '' ? `native ${node.callFrame.functionName}` : url.startsWith('node:') ? 'node core' : 'other';
            entry.byArea.set(area, (entry.byArea.get(area) ?? 0) + micros);
            const key = `${node.callFrame.functionName || '(anon)'} ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
            entry.byFunction.set(key, (entry.byFunction.get(key) ?? 0) + micros);
          });
        }
      }
      for (const [name, entry] of Object.entries(profiles)) {
        const per = (micros: number) => (micros / entry.messages).toFixed(1);
        const all = [...entry.byArea.values()].reduce((sum, value) => sum + value, 0);
        console.log(`\nclient CPU profile, ${name} b1w16 (sampled self time, µs per message; total ${per(all)}):`);
        console.log([...entry.byArea.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([area, micros]) => `  ${per(micros)} ${area}`).join('\n'));
        console.log('  top functions:');
        console.log([...entry.byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, 18).map(([fn, micros]) => `    ${per(micros)} ${fn}`).join('\n'));
      }
    }

    // EXPLAIN of one one-message append (rolled back) vs one raw insert.
    const client = await backend.pool!.connect();
    try {
      // The store's append statement and parameters, as sent through the pool.
      const pool = backend.pool! as unknown as { query: (config: unknown, values?: unknown) => Promise<unknown> };
      const original = pool.query.bind(pool);
      let captured: { text: string; values: unknown[] } | undefined;
      pool.query = (config: unknown, values?: unknown) => {
        const text = (config as { text?: string }).text;
        if (text?.trimStart().startsWith('WITH input')) captured = config as { text: string; values: unknown[] };
        return original(config, values);
      };
      const [id] = await newConversations(1);
      await backend.store.appendMessages(scope, id!, corpus.slice(0, 1));
      pool.query = original;
      if (captured) {
        const next = [...captured.values];
        next[3] = String(next[3]).replace(/"id":"([^"]+)"/, '"id":"$1-explain"');
        await client.query('BEGIN');
        const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) ${captured.text}`, next);
        console.log('\nEXPLAIN the store\'s fast append statement (one message, custom plan, rolled back):\n' + plan.rows.map((row) => row['QUERY PLAN']).join('\n'));
        await client.query('ROLLBACK');
      }
      await client.query('BEGIN');
      const rawPlan = await client.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) INSERT INTO "${backend.schema}".raw_messages (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
  SELECT $1, $2, s, i, r, NULL, c::jsonb, '{}'::jsonb, '{}'::text[], t::jsonb, p, h, now()
  FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[]) AS u(s, i, r, c, t, p, h)`, [
        'bench-append', 'raw-explain', [1], [corpus[0]!.id], [corpus[0]!.role], [JSON.stringify(corpus[0]!.content)], [JSON.stringify(corpus[0]!.tokenCounts)], [1], [corpus[0]!.contentHash],
      ]);
      console.log('\nEXPLAIN raw insert (one message, rolled back):\n' + rawPlan.rows.map((row) => row['QUERY PLAN']).join('\n'));
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  } finally {
    await monitor.end();
    await backend.close();
  }
}

await main();
