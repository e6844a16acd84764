import { readFileSync } from 'node:fs';

/** The entries of a colon-separated account database (`/etc/passwd`, `/etc/group`), as fields; [] when unreadable. */
function accountEntries(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(':'));
  } catch {
    return [];
  }
}

/**
 * True when `gid` is the user private group of `uid` (the "user private group" scheme of Debian and Ubuntu, whose
 * default umask 002 makes every directory group-writable): the group is `uid`'s primary group, no other account has
 * it as its primary group, and it lists no member but that user. Group-writable then means writable by that user
 * alone, which is what Debian's OpenSSH accepts for `~/.ssh` too. False where the databases cannot be read.
 * @param passwdFile and `groupFile`: the account databases (parameters for tests).
 */
export function isPrivateGroup(uid: number, gid: number, passwdFile = '/etc/passwd', groupFile = '/etc/group'): boolean {
  const users = accountEntries(passwdFile);
  const owner = users.find((fields) => Number(fields[2]) === uid);
  if (!owner || Number(owner[3]) !== gid) return false;
  if (users.some((fields) => Number(fields[3]) === gid && Number(fields[2]) !== uid)) return false;
  const group = accountEntries(groupFile).find((fields) => Number(fields[2]) === gid);
  if (!group) return false;
  const members = (group[3] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return members.every((name) => name === owner[0]);
}
