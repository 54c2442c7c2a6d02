/**
 * Supplies apache-arrow to the Arrow formatter when the registry's public surface is imported
 * (registry/index.ts imports this module for that effect alone). Worker threads import the
 * datastore without it and load apache-arrow only for a quantum that needs it (formatters.ts).
 */
import * as arrow from 'apache-arrow';
import { provideArrow } from './formatters.js';

provideArrow(arrow);
