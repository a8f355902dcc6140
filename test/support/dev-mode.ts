// Tests talk to the sandbox and the emulator over plain http on loopback; production never sets this (README).
process.env.CXONE_HANDOVER_DEV_MODE = "1";
