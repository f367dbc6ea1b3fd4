import { builder } from './builder.js';
import './root.js';
import './scalars.js';
import './errors.js';
import './node.js';
import './session.js';
import './factory-session.js';
import './everruns-session.js';

/** The gateway's executable schema. */
export const schema = builder.toSchema({ sortSchema: false });
