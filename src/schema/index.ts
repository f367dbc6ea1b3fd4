import { builder } from './builder.js';
import './scalars.js';
import './node.js';
import './session.js';
import './factory-session.js';
import './everruns-session.js';

builder.queryType({ description: 'Agent sessions of Factory and Everruns in one graph.' });

/** The gateway's executable schema. */
export const schema = builder.toSchema({ sortSchema: false });
