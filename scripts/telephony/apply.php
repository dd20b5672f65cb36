<?php
// scripts/telephony/apply.php: installed as /etc/billu/pbx/apply.php by the `pbx` step (components/telephony) and run
// by it as `php apply.php <extensions.csv> <ringgroups.csv> <rtpstart> <rtpend>` after the Bulk Handler import.
// Through FreePBX's own module API (its bootstrap, /etc/freepbx.conf): removes the extensions the plan no longer has
// (a leaver's: the model keeps the number quarantined), replaces each ring group whose row changed
// (Ringgroups::delete/add, FreePBX/ringgroups Ringgroups.class.php), and sets Asterisk's RTP range (sipsettings).
// Exits 1 naming what failed. Idempotent: an unchanged group is left as it is.
$bootstrap_settings['freepbx_auth'] = false;
include '/etc/freepbx.conf';

function rows($file) {
    $h = fopen($file, 'r');
    if ($h === false) { fwrite(STDERR, "cannot read $file\n"); exit(1); }
    $header = fgetcsv($h, 0, ',', '"', '');
    $out = [];
    while (($r = fgetcsv($h, 0, ',', '"', '')) !== false) {
        if (count($r) !== count($header)) { fwrite(STDERR, "$file: a row has " . count($r) . " fields, the header " . count($header) . "\n"); exit(1); }
        $out[] = array_combine($header, $r);
    }
    fclose($h);
    return $out;
}

[$self, $extensionsCsv, $ringGroupsCsv, $rtpStart, $rtpEnd] = $argv;
$planned = array_column(rows($extensionsCsv), 'extension');

$core = \FreePBX::Core();
foreach ($core->getAllUsers() as $user) {
    if (!in_array((string)$user['extension'], $planned, true)) {
        $core->delDevice($user['extension']);
        $core->delUser($user['extension']);
        echo "removed extension {$user['extension']}\n";
    }
}

$rg = \FreePBX::Ringgroups();
$existing = [];
foreach ($rg->listRinggroups(true) as $g) { $existing[(string)$g['grpnum']] = true; }
$wanted = [];
foreach (rows($ringGroupsCsv) as $g) {
    $wanted[$g['grpnum']] = true;
    if (isset($existing[$g['grpnum']])) {
        $cur = $rg->get($g['grpnum']);
        if ($cur['grplist'] === $g['grplist'] && $cur['description'] === $g['description'] && $cur['strategy'] === $g['strategy']
            && (string)$cur['grptime'] === $g['grptime'] && $cur['postdest'] === $g['postdest']) {
            continue;
        }
        $rg->delete($g['grpnum']);
    }
    $rg->add($g['grpnum'], $g['strategy'], $g['grptime'], $g['grplist'], $g['postdest'], $g['description'], '', '0', '', '', '0', '0', 'Ring', '', '', 'default', '', '', 'dontcare', 'yes', 'no', '');
    echo "ring group {$g['grpnum']} ({$g['description']}) set\n";
}
foreach (array_keys($existing) as $n) {
    if (!isset($wanted[$n])) { $rg->delete($n); echo "removed ring group $n\n"; }
}

$sip = \FreePBX::Sipsettings();
$sip->setConfig('rtpstart', (int)$rtpStart);
$sip->setConfig('rtpend', (int)$rtpEnd);
