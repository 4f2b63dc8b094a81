import type { Alert, AlertOrigin } from '../model';

/** What every normalizer returns: the alerts of one request and the context the sender gave. */
export interface Normalized {
  alerts: Alert[];
  origin: AlertOrigin;
}
