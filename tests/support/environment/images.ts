/** The images the tests start when this machine lacks a service: the tags compose.dev.yaml runs. */
export const IMAGES = {
  rabbitmq: "rabbitmq:4.1-management",
  prometheus: "prom/prometheus:v3.5.0",
} as const;

/** On every container the tests start: `docker ps --filter label=org.bazaar.tests` finds one a killed run left. */
export const CONTAINER_LABELS = { "org.bazaar.tests": "true" };
