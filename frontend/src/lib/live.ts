// How often views refresh on their own (TanStack Query refetchInterval; paused in hidden tabs).
/** Alerts and the fleet's status: a new alert shows within this. */
export const ALERTS_EVERY = 15_000;
/** Health scores, sessions and other analytics. */
export const DATA_EVERY = 30_000;
