import { SealError, type Logger } from '@sealpack/diagnostics';

/**
 * Asks each question on the terminal and reads one line for each without echoing it (a
 * passphrase): raw mode, so the characters never reach the screen or the scrollback.
 * Ctrl-C and Ctrl-D cancel. Lines typed ahead are kept for the next question.
 */
export function readHidden(questions: string[], input = process.stdin, output = process.stderr): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const answers: string[] = [];
    let current = '';
    const finish = (error?: SealError) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      if (error) {
        output.write('\n');
        reject(error);
      } else resolve(answers);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          answers.push(current);
          current = '';
          output.write('\n');
          if (answers.length === questions.length) return finish();
          output.write(questions[answers.length]!);
        } else if (char === '\u0003' || char === '\u0004') {
          return finish(new SealError('ESEAL_CONFIG', 'passphrase prompt cancelled'));
        } else if (char === '\u007f' || char === '\b') current = current.slice(0, -1);
        else current += char;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
    output.write(questions[0]!);
  });
}

/**
 * The passphrase for a new private key, for every command that writes one (keygen, keys rotate):
 * the first of `names` set to a non-empty value; else, when one of them is set empty on purpose,
 * none (unencrypted, for tests and throwaway keys: said in a warning); else asked twice on a
 * terminal. With neither a variable nor a terminal, refused: a CI job must not write an
 * unencrypted key by accident.
 */
export async function readNewPassphrase(
  env: NodeJS.ProcessEnv,
  logger: Pick<Logger, 'warn'>,
  names: readonly string[] = ['SEALPACK_PASSPHRASE'],
  input = process.stdin,
): Promise<string | undefined> {
  const given = names.map((name) => env[name]).find((value) => value);
  if (given) return given;
  const empty = names.filter((name) => env[name] === '');
  if (empty.length > 0) {
    logger.warn(`${empty.join(' and ')} ${empty.length === 1 ? 'is' : 'are'} empty: the new private key is written unencrypted`);
    return undefined;
  }
  if (!input.isTTY) {
    throw new SealError(
      'ESEAL_CONFIG',
      `no passphrase for the private key: expected a terminal to ask on, or ${names.join(' or ')}, found neither`,
      { details: [`for an unencrypted key (tests, throwaway keys) set ${names.at(-1)}=''`] },
    );
  }
  const [first, again] = await readHidden(['Passphrase for the new private key: ', 'Repeat it: '], input);
  if (!first) {
    throw new SealError('ESEAL_CONFIG', 'expected a passphrase, found an empty one', {
      details: [`for an unencrypted key set ${names.at(-1)}=''`],
    });
  }
  if (again !== first) throw new SealError('ESEAL_CONFIG', 'the two passphrases differ: expected the same one twice');
  return first;
}
