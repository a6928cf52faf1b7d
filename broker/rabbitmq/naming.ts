/**
 * The RabbitMQ objects of one broker, named so that `rabbitmqctl list_queues` reads like the Trigger folder:
 * everything starts with `bazaar.<broker>`, a Trigger's queue ends with the Trigger's name. (eventing-rabbitmq
 * adds namespaces and UIDs, see its pkg/rabbitmqnaming; one broker per vhost needs neither.)
 */
export interface Names {
  /** The headers exchange the ingress publishes to; each Trigger queue is bound to it by its filter. */
  exchange: string;
  /** A direct exchange: dead letters go to it with the Trigger's name as the routing key. */
  deadLetterExchange: string;
  /** Messages the broker could not even read (published by hand, or a crash while handling one). */
  parked: string;
  /** The routing key that takes a message from any queue to `parked`. */
  parkedKey: string;
  queue(trigger: string): string;
  /** Where a Trigger's failed events wait for its dead-letter sink. */
  deadLetterQueue(trigger: string): string;
}

export function namesOf(broker: string): Names {
  const prefix = `bazaar.${broker}`;
  return {
    exchange: prefix,
    deadLetterExchange: `${prefix}.dlx`,
    // A Trigger name is a DNS label (no dots), so no Trigger queue can take either of these names.
    parked: `${prefix}.dlx.parked`,
    parkedKey: "parked",
    queue: (trigger) => `${prefix}.${trigger}`,
    deadLetterQueue: (trigger) => `${prefix}.${trigger}.dlq`,
  };
}
