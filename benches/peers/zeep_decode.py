#!/usr/bin/env python3
"""Time Python zeep decoding a captured get_account_list response.

Usage: zeep_decode.py RESPONSE.xml [RUNS]

Loads wsdl/AccountAdminService.wsdl offline (the SOAP-encoding schema is served from
tests/interop/soap-encoding.xsd) and times zeep's reply processing (XML parse plus XSD
objects) on the same bytes the Rust benchmark decodes. Prints the best time in seconds.
"""
import os
import sys
import time

from zeep import Client, Settings
from zeep.transports import Transport

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOAP_ENC = 'http://schemas.xmlsoap.org/soap/encoding/'


class Offline(Transport):
    def load(self, url):
        if url.rstrip('/') == SOAP_ENC.rstrip('/'):
            with open(os.path.join(ROOT, 'tests', 'interop', 'soap-encoding.xsd'), 'rb') as fh:
                return fh.read()
        if '://' in url:
            raise IOError('offline: ' + url)
        with open(url, 'rb') as fh:
            return fh.read()


class Reply:
    status_code = 200
    headers = {'Content-Type': 'text/xml; charset=utf-8'}
    encoding = 'utf-8'

    def __init__(self, content):
        self.content = content


def main():
    data = open(sys.argv[1], 'rb').read()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    # Lax settings: SOAP::Lite writes hash fields in any order, which strict zeep refuses.
    settings = Settings(strict=False, xsd_ignore_sequence_order=True)
    client = Client(os.path.join(ROOT, 'wsdl', 'AccountAdminService.wsdl'), transport=Offline(), settings=settings)
    binding = client.service._binding
    operation = binding.get('get_account_list')
    best = float('inf')
    for _ in range(runs):
        started = time.perf_counter()
        binding.process_reply(client, operation, Reply(data))
        best = min(best, time.perf_counter() - started)
    print(best)


main()
