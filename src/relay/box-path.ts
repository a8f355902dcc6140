// Where CXone reaches the relay: the Integration Box prefix every CXone-facing route lives under.
export const BOX = "/integration/box";
