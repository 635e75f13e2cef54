// Shared lint rules live in config/; this file only points at them.
export { default } from './config/eslint.config.js';
