#!/usr/bin/env python3
"""Load every WSDL in a directory with Python zeep and list its operations.

Usage: python3 tests/interop/zeep_load.py [WSDL_DIR]   (default: wsdl/ next to tests/)

The SOAP encoding schema (http://schemas.xmlsoap.org/soap/encoding/) is served from
tests/interop/soap-encoding.xsd; any other network URL is refused, so the check runs
offline and proves that the bundled files are self-contained. Exits non-zero if a WSDL
fails to load or has no operations.
"""
import os
import sys

from zeep import Client, Settings
from zeep.transports import Transport

HERE = os.path.dirname(os.path.abspath(__file__))
SOAP_ENC = 'http://schemas.xmlsoap.org/soap/encoding/'
LOCAL = {
    SOAP_ENC: os.path.join(HERE, 'soap-encoding.xsd'),
    SOAP_ENC.rstrip('/'): os.path.join(HERE, 'soap-encoding.xsd'),
}


class OfflineTransport(Transport):
    """Serves known schema URLs from local files and refuses every other network URL."""

    def load(self, url):
        if url in LOCAL:
            with open(LOCAL[url], 'rb') as fh:
                return fh.read()
        if url.startswith(('http://', 'https://')):
            raise IOError(f'refusing to fetch {url} (offline check)')
        return super().load(url)


def main():
    wsdl_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', 'wsdl')
    files = sorted(f for f in os.listdir(wsdl_dir) if f.endswith('.wsdl'))
    if not files:
        print(f'no .wsdl files in {wsdl_dir}')
        return 1
    settings = Settings(strict=True, forbid_external=False)
    failed = 0
    total = 0
    for name in files:
        path = os.path.abspath(os.path.join(wsdl_dir, name))
        try:
            client = Client(path, transport=OfflineTransport(), settings=settings)
            ops = []
            for service in client.wsdl.services.values():
                for port in service.ports.values():
                    ops.extend(port.binding._operations.keys())
            ops = sorted(set(ops))
            print(f'{name}: {len(ops)} operations')
            print('  ' + ' '.join(ops))
            if not ops:
                failed += 1
            total += len(ops)
        except Exception as exc:  # report every file, then fail
            failed += 1
            print(f'{name}: FAILED: {type(exc).__name__}: {exc}')
    print(f'zeep: {len(files)} WSDL files, {total} operations, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
