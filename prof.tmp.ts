import { FLEET_SIZES, generateFleet } from "./bench/fleet.ts";
import { validateSnapshot } from "./src/inventory/validate-snapshot.ts";
const doc = JSON.parse(JSON.stringify(generateFleet(FLEET_SIZES.S)));
for (let i = 0; i < 30; i++) validateSnapshot(doc);
