#!/usr/bin/env python3
"""Moves TypeScript modules and rewrites every relative import of them (and theirs).

Usage: scripts/dev/move-modules.py OLD NEW [OLD NEW ...]   (repository-relative .ts paths)

Each OLD is moved with `git mv`; every .ts file of the repository whose relative import
specifiers (`from '...'`, `import '...'`, `import('...')`, `require('...')`, `jest.mock('...')`) resolve to a
moved module, or that moved itself, gets them rewritten relative to the new places. `tsc` then
proves the result.
"""
import os
import re
import subprocess
import sys

ROOT = subprocess.run(['git', 'rev-parse', '--show-toplevel'], capture_output=True, text=True, check=True).stdout.strip()
FOLDERS = ['bin', 'bench', 'cfn', 'config', 'constructs', 'lib', 'scripts', 'test']
SPECIFIER = re.compile(r"""((?:from|import|import\(|require\(|jest\.mock\(|jest\.requireActual\()\s*['"])(\.{1,2}/[^'"]*)(['"])""")


def ts_files():
    for folder in FOLDERS:
        for base, dirs, files in os.walk(os.path.join(ROOT, folder)):
            dirs[:] = [d for d in dirs if d != 'node_modules' and not d.startswith('.')]
            for name in files:
                if name.endswith('.ts') and not name.endswith('.d.ts'):
                    yield os.path.relpath(os.path.join(base, name), ROOT)


def resolve(from_file, spec):
    base = os.path.normpath(os.path.join(os.path.dirname(from_file), spec))
    for candidate in (base + '.ts', os.path.join(base, 'index.ts'), base):
        if os.path.isfile(os.path.join(ROOT, candidate)):
            return candidate, candidate[len(base):]
    return None, None


def specifier(from_file, target, suffix):
    """The relative specifier of `target` from `from_file`, keeping how it was written."""
    if suffix == '.ts':
        target = target[:-3]
    elif suffix == '/index.ts':
        target = os.path.dirname(target)
    rel = os.path.relpath(target, os.path.dirname(from_file))
    return rel if rel.startswith('.') else './' + rel


def main(args):
    if len(args) % 2 != 0 or not args:
        sys.exit(__doc__)
    moves = dict(zip(args[::2], args[1::2]))
    for old in moves:
        if not os.path.isfile(os.path.join(ROOT, old)):
            sys.exit(f'no such file: {old}')
    rewrites = {}
    for file in ts_files():
        new_file = moves.get(file, file)
        text = open(os.path.join(ROOT, file), encoding='utf8').read()

        def rewrite(match):
            target, suffix = resolve(file, match.group(2))
            if target is None:
                return match.group(0)
            new_target = moves.get(target, target)
            if new_target == target and new_file == file:
                return match.group(0)
            return match.group(1) + specifier(new_file, new_target, suffix) + match.group(3)

        changed = SPECIFIER.sub(rewrite, text)
        if changed != text:
            rewrites[new_file] = changed
    for old, new in moves.items():
        os.makedirs(os.path.dirname(os.path.join(ROOT, new)), exist_ok=True)
        subprocess.run(['git', 'mv', old, new], cwd=ROOT, check=True)
    for file, text in rewrites.items():
        with open(os.path.join(ROOT, file), 'w', encoding='utf8') as out:
            out.write(text)
        print('rewrote', file)


if __name__ == '__main__':
    main(sys.argv[1:])
