import { SealError } from '@sealpack/diagnostics';
import type { CommandModule, Context } from '../main.js';

// `sealpack keys ACTION …`: one entry in bin.ts, each action its own module, loaded when it runs.
const ACTIONS: Record<string, () => Promise<CommandModule>> = {
  rotate: () => import('./keys-rotate.js'),
  update: () => import('./keys-update.js'),
  list: () => import('./keys-list.js'),
  resign: () => import('./keys-resign.js'),
};

export async function run(args: unknown[], options: Record<string, unknown>, context: Context): Promise<number> {
  const [action, ...rest] = args;
  const load = ACTIONS[String(action)];
  if (!load) {
    throw new SealError('ESEAL_CONFIG', `keys: expected rotate, update, list or resign, found ${String(action ?? 'nothing')}`);
  }
  return (await load()).run(rest, options, context);
}
