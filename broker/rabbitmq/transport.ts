import { hostname } from "node:os";
import { connect, type Channel, type ChannelModel } from "amqplib";
import { Unavailable } from "@bazaar/shared/errors";
import type { BrokerEvent } from "../message";
import type { Transport, TransportFactory } from "../transport";
import type { Trigger } from "../triggers";
import { consumeTrigger } from "./consumer";
import { InFlight } from "./in-flight";
import { namesOf } from "./naming";
import { openPublisher, type Publisher } from "./publisher";
import { declareTopology, type QueueType } from "./topology";

export interface RabbitTransportOptions {
  /** amqp://user:password@host:port/vhost */
  url: string;
  /** Names the RabbitMQ objects: bazaar.<broker>... */
  broker: string;
  queueType: QueueType;
}

/** Reconnect backoff: fast at first (a dropped connection), at most 5 s apart (RabbitMQ restarting). */
const RECONNECT = { initialDelay: 100, maxDelay: 5000 };
/** Detects a silently dead TCP connection in about 20 s instead of RabbitMQ's default 2 minutes. */
const HEARTBEAT_SECONDS = "10";
const DEPTH_POLL_MS = 5000;

/** What one connection carries; replaced as a whole after every reconnect. */
interface Session {
  connection: ChannelModel;
  publisher: Publisher;
  /** Declares the topology, then answers queue-depth checks. */
  inspector: Channel;
  consumers: { channel: Channel; tags: string[] }[];
  /** Every consumer is up: the broker is whole again (readiness, the reconnect count, the log line). */
  consuming: boolean;
}

/**
 * The broker over RabbitMQ, as eventing-rabbitmq builds it: the ingress publishes to a durable headers
 * exchange (confirmed, persistent, mandatory so an unroutable event is known); per Trigger a durable queue
 * bound by its filter, consumed with prefetch = parallelism and delivered by the shared dispatcher; a
 * dead-letter exchange with a queue per Trigger, delivered to its sink.
 *
 * It survives RabbitMQ restarts and dropped connections: amqplib's recovery reconnects with backoff, and every
 * new connection redeclares the topology and resumes the consumers before the broker is ready again. While it
 * is down the ingress answers 503 (publishers keep events in their outboxes) and what was not acked waits in
 * RabbitMQ, which redelivers it; a channel that fails on its own takes the whole connection down with it, so
 * there is one way back to a consistent state.
 */
export function createRabbitTransport(options: RabbitTransportOptions): TransportFactory {
  return async ({ triggers, dispatcher, metrics, logger }) => {
    const names = namesOf(options.broker);
    const log = logger.child({ rabbitmq: redacted(options.url) });
    const shutdown = new AbortController();
    const inFlight = new InFlight();
    let session: Session | undefined;
    let draining = false;
    let connections = 0;

    /** Forces a full reconnect, the one repair for any broken part of a connection. */
    function restore(connection: ChannelModel, reason: string): void {
      if (session?.connection !== connection || shutdown.signal.aborted) return;
      log.error({ reason }, "a RabbitMQ channel failed; reconnecting to restore it");
      session = undefined;
      connection.close().catch(() => undefined);
    }

    const consumerDeps = {
      dispatcher,
      names,
      logger,
      inFlight,
      async deadLetter(trigger: Trigger, event: BrokerEvent): Promise<void> {
        const current = session;
        if (!current) throw new Unavailable("not connected to RabbitMQ");
        const routed = await current.publisher.publish(names.deadLetterExchange, trigger.name, event);
        if (!routed)
          throw new Error(`the dead-letter queue ${names.deadLetterQueue(trigger.name)} is missing`);
      },
    };

    /** Runs on every (re)connection, before amqplib counts it as up. Throwing makes amqplib try again. */
    async function open(connection: ChannelModel): Promise<void> {
      let alive = true;
      // A message can only be acked on the channel it came on: once the connection is gone, RabbitMQ redelivers
      // whatever was in flight, so work on it stops (a dead-letter sink retried forever would never end).
      const lost = new AbortController();
      connection.once("close", () => {
        alive = false;
        lost.abort();
      });
      const signal = AbortSignal.any([shutdown.signal, lost.signal]);
      const watch = (channel: Channel, what: string): Channel => {
        channel.on("error", (error: Error) =>
          log.error({ err: error, channel: what }, "RabbitMQ channel error"),
        );
        // A channel closes with its connection too; wait a tick to tell that (handled by recovery) apart.
        channel.on("close", () => setImmediate(() => alive && restore(connection, `channel ${what} closed`)));
        return channel;
      };
      try {
        const inspector = watch(await connection.createChannel(), "topology");
        await declareTopology(inspector, names, triggers, options.queueType);
        const publisher = await openPublisher(connection);
        watch(publisher.channel, "publisher");
        // Publishing works from here on: deliveries that fail while the consumers start can be dead-lettered.
        const current: Session = { connection, publisher, inspector, consumers: [], consuming: false };
        session = current;
        if (draining) return;
        const onCancelled = (queue: string) =>
          restore(connection, `RabbitMQ cancelled the consumer of ${queue}`);
        current.consumers = await Promise.all(
          triggers.map(async (trigger) => {
            const channel = watch(await connection.createChannel(), trigger.name);
            return {
              channel,
              tags: await consumeTrigger(channel, trigger, { ...consumerDeps, signal, onCancelled }),
            };
          }),
        );
        current.consuming = true;
        connections += 1;
        if (connections > 1) metrics.reconnects.inc();
        metrics.transportReady.set(1);
        log.info(
          { exchange: names.exchange, queues: triggers.length, reconnect: connections > 1 },
          "connected to RabbitMQ: topology declared, consuming every Trigger queue",
        );
        void reportDepths();
      } catch (error) {
        if (session?.connection === connection) session = undefined;
        throw error;
      }
    }

    const connection = await connect(withHeartbeat(options.url), {
      // Without it Nagle's algorithm holds each small frame until the last one's ACK, which the peer delays
      // by up to 40 ms: that was most of every hop's latency over RabbitMQ (BENCHMARKS.md, part 3).
      noDelay: true,
      clientProperties: {
        connection_name: `bazaar broker ${options.broker} on ${hostname()} (pid ${process.pid})`,
      },
      recovery: { ...RECONNECT, waitForConnect: false, setup: open },
    });
    connection.on("disconnect", (error: Error) => {
      session = undefined;
      metrics.transportReady.set(0);
      log.warn(
        { reason: error.message },
        "lost the connection to RabbitMQ; reconnecting (the ingress answers 503 meanwhile, unacked events wait in RabbitMQ)",
      );
    });
    connection.on(
      "reconnect-scheduled",
      ({ attempt, delay, error }: { attempt: number; delay: number; error: Error }) =>
        log.warn(
          { attempt, retry_in_ms: delay, reason: error.message },
          "cannot connect to RabbitMQ; trying again",
        ),
    );
    connection.on("error", (error: Error) => log.error({ err: error }, "RabbitMQ connection error"));
    connection.on("blocked", (reason: string) =>
      log.warn({ reason }, "RabbitMQ blocks publishing (a resource alarm); the ingress will answer 503"),
    );
    connection.on("unblocked", () => log.info("RabbitMQ accepts publishing again"));

    /** Ready messages (polled) plus the ones being handled: what waits for each subscriber and sink. */
    async function reportDepths(): Promise<void> {
      const current = session;
      if (!current) return;
      try {
        await Promise.all(
          triggers.map(async ({ name }) => {
            const [queued, dead] = await Promise.all([
              current.inspector.checkQueue(names.queue(name)),
              current.inspector.checkQueue(names.deadLetterQueue(name)),
            ]);
            metrics.queueDepth.set({ trigger: name }, queued.messageCount + inFlight.of(names.queue(name)));
            metrics.deadLetterQueueDepth.set(
              { trigger: name },
              dead.messageCount + inFlight.of(names.deadLetterQueue(name)),
            );
          }),
        );
      } catch {
        // The connection's own events report (and repair) whatever broke.
      }
    }
    const depthTimer = setInterval(() => void reportDepths(), DEPTH_POLL_MS);
    depthTimer.unref();

    const transport: Transport = {
      ready: () => session?.consuming === true && !draining,

      async publish(event) {
        if (shutdown.signal.aborted) throw new Unavailable("the broker is shutting down");
        const current = session;
        if (!current) {
          throw new Unavailable("the broker is not connected to RabbitMQ; retry shortly", {
            retryAfterSeconds: 1,
          });
        }
        return current.publisher.publish(names.exchange, "", event);
      },

      async close(graceMs) {
        const deadline = Date.now() + graceMs;
        draining = true;
        clearInterval(depthTimer);
        // No new deliveries; the ones in flight finish (or are cut short below) and are acked.
        const consumers = session?.consumers ?? [];
        await Promise.allSettled(
          consumers.flatMap(({ channel, tags }) => tags.map(async (tag) => channel.cancel(tag))),
        );
        await inFlight.idle(deadline);
        const cut = inFlight.total;
        shutdown.abort();
        await inFlight.idle(Date.now() + 500);
        await connection.close().catch(() => undefined);
        metrics.transportReady.set(0);
        if (cut > 0) {
          log.warn(
            { deliveries: cut },
            "the grace period ended mid-delivery; RabbitMQ keeps those events and redelivers them",
          );
        }
        return 0;
      },
    };
    return transport;
  };
}

function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has("heartbeat")) parsed.searchParams.set("heartbeat", HEARTBEAT_SECONDS);
  return parsed.toString();
}

/** The URL for logs: never the password. */
export function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
