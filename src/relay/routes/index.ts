// The relay's HTTP routes, one file each; app.ts registers them, bearerRoutes behind the bearer check.
import { caseEventPushRoute } from "./case-event-push";
import { healthRoute } from "./health";
import { legacyPostsRoute } from "./legacy-posts";
import { metricsRoute } from "./metrics";
import { outboundRoute } from "./outbound";
import { typingRoute } from "./typing";

export { tokenRoute } from "./token";

/**
 * Every route CXone calls with a bearer: a new route is a file and a line here. Each lives under BOX and sets its own
 * rate limit (`config: perMinute(…)`); app.test.ts fails for one that does not.
 */
export const bearerRoutes = [legacyPostsRoute, outboundRoute, typingRoute, caseEventPushRoute];

/** For operators (doctor, load balancers, Prometheus), not CXone: no bearer, on RELAY_METRICS_PORT when set. */
export const opsRoutes = [healthRoute, metricsRoute];
