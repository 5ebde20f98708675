/** Queue settings for tests: 1 s retries and the shortest heartbeat pg-boss allows (10 s). */
export const TEST_TUNING = { retryDelaySeconds: 1, retryDelayMaxSeconds: 1, heartbeatSeconds: 10 } as const;
