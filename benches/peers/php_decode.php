<?php
// Time PHP's SoapClient decoding a captured get_account_list response.
//
// Usage: php php_decode.php RESPONSE.xml [RUNS]
//
// A SoapClient subclass returns the captured bytes from __doRequest, so the time is PHP's
// decoding of the same bytes the Rust benchmark decodes. Prints the best time in seconds.

$root = dirname(__DIR__, 2);
$data = file_get_contents($argv[1]);
$runs = isset($argv[2]) ? (int)$argv[2] : 3;

class CannedClient extends SoapClient {
    public $reply;
    #[\ReturnTypeWillChange]
    public function __doRequest($request, $location, $action, $version, $one_way = 0) {
        return $this->reply;
    }
}

$client = new CannedClient($root . '/wsdl/AccountAdminService.wsdl', ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true]);
$client->reply = $data;
$best = INF;
for ($i = 0; $i < $runs; $i++) {
    $started = microtime(true);
    $result = $client->get_account_list(new stdClass());
    $best = min($best, microtime(true) - $started);
}
echo $best, "\n";
