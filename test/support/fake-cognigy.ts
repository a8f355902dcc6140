// The Cognigy endpoint relay tests deliver into: the emulator's endpoint with an empty flow and the older API route on.
import { CognigyEndpoint } from "../../testbed/emulator/cognigy-endpoint";

/** The API key the endpoint accepts on `/new/v2.0/endpoint/notify|inject` (relays under test are given it). */
export const COGNIGY_API_KEY = "k-123";

export function startFakeCognigy(): Promise<CognigyEndpoint> {
  return new CognigyEndpoint({ apiKey: COGNIGY_API_KEY }).start();
}
