<?php
// Load every WSDL in a directory with PHP's ext/soap SoapClient and count its operations.
//
// Usage: php tests/interop/php_load.php [WSDL_DIR]   (default: wsdl/ next to tests/)
//
// PHP resolves the relative schemaLocation="PortaBillingTypes.xsd" against the WSDL file and
// knows the SOAP encoding namespace itself, so no network access is needed. Exits 1 if any
// WSDL fails to load or declares no operation.

$dir = $argv[1] ?? __DIR__ . '/../../wsdl';
$real = realpath($dir);
if ($real === false || !is_dir($real)) {
    fwrite(STDERR, "not a directory: $dir\n");
    exit(1);
}
$files = glob($real . '/*.wsdl');
sort($files);
if (!$files) {
    fwrite(STDERR, "no .wsdl files in $real\n");
    exit(1);
}

$failed = 0;
$total = 0;
foreach ($files as $path) {
    $name = basename($path);
    try {
        $client = new SoapClient($path, ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true]);
        $functions = $client->__getFunctions();
        $count = count($functions);
        echo "$name: $count operations\n";
        $names = [];
        foreach ($functions as $f) {
            if (preg_match('/^\S+\s+(\w+)\(/', $f, $m)) {
                $names[] = $m[1];
            }
        }
        echo '  ' . implode(' ', $names) . "\n";
        if ($count === 0) {
            $failed++;
        }
        $total += $count;
    } catch (Throwable $e) {
        $failed++;
        echo "$name: FAILED: " . get_class($e) . ': ' . $e->getMessage() . "\n";
    }
}
echo 'php: ' . count($files) . " WSDL files, $total operations, $failed failed\n";
exit($failed ? 1 : 0);
