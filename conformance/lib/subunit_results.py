"""Reads a subunit v2 stream on stdin; prints one JSON line per test:
{"test": id, "status": "success|fail|skip|xfail|uxsuccess", "error": traceback-or-reason}.
Run with Debian's /usr/bin/python3 (python3-subunit, python3-testtools)."""
import json
import sys

import subunit
import testtools


def main():
    out = []

    def on_test(test):
        details = test.get('details') or {}
        text = ''
        for key in ('traceback', 'reason'):
            if key in details:
                try:
                    text = details[key].as_text()
                except Exception:
                    text = ''
                break
        out.append({'test': test['id'], 'status': test['status'], 'error': text[-4000:]})

    case = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name='stdout')
    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    try:
        case.run(result)
    finally:
        result.stopTestRun()
    for item in out:
        sys.stdout.write(json.dumps(item) + '\n')


if __name__ == '__main__':
    main()
