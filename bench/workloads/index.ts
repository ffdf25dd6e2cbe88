/** Every benchmark case, in the order the suite runs and reports them. */
import type { Case } from "../lib/case.js";
import { cases as resume } from "./resume.js";
import { cases as depth } from "./depth.js";
import { cases as pingpong } from "./pingpong.js";
import { cases as spawn } from "./spawn.js";
import { cases as prodcons } from "./prodcons.js";
import { cases as fanin } from "./fanin.js";
import { cases as select } from "./select.js";
import { cases as timers } from "./timers.js";
import { cases as cancel } from "./cancel.js";
import { cases as mutex } from "./mutex.js";
import { cases as durable } from "./durable.js";
import { cases as everyday } from "./everyday.js";
import { cases as store } from "./store.js";
import { cases as storePostgres } from "./store-postgres.js";
import { cases as io } from "./io.js";
import { cases as compiled } from "./compiled.js";
import { cases as worker } from "./worker.js";

export const cases: Case[] = [...resume, ...depth, ...pingpong, ...spawn, ...prodcons, ...fanin, ...select, ...timers, ...cancel, ...mutex, ...everyday, ...durable, ...store, ...storePostgres, ...io, ...worker, ...compiled];
