<?php
// scripts/assets/glpi-site.php: applies the site's GLPI settings (billu:assets, components/assets) through GLPI's own
// classes, run by the `glpi-server` step as www-data after `php bin/console db:install|db:update`:
//   php glpi-site.php /etc/billu/assets/site.json
// site.json is rendered from the model (components/assets/render.ts renderSiteJson); passwords are read from the 0640
// files it names, never from a command line. Each setting is looked up by name first and written only when it differs,
// so a second run changes nothing. Level 2 in this project: parsed by `php -l` (the lab), not run against a real GLPI
// (GLPI's code is not on the test machines); docs/services/assets.md lists what waits for one.

if (PHP_SAPI !== 'cli' || $argc !== 2) {
    fwrite(STDERR, "usage: php glpi-site.php <site.json>\n");
    exit(2);
}
$site = json_decode((string) file_get_contents($argv[1]), true, 512, JSON_THROW_ON_ERROR);

define('GLPI_ROOT', '/usr/share/glpi');
chdir(GLPI_ROOT);
include GLPI_ROOT . '/inc/includes.php';

/** Reads a one-line secret file (the step installed it 0640 root:www-data). */
function billu_secret_file(string $path): string
{
    $v = file_get_contents($path);
    if ($v === false) {
        throw new RuntimeException("cannot read $path");
    }
    return rtrim($v, "\r\n");
}

/** Finds an item by criteria, or adds it; updates the fields that differ. Returns its id. */
function billu_ensure(CommonDBTM $item, array $criteria, array $fields): int
{
    $found = $item->find($criteria, [], 1);
    if (count($found) === 0) {
        $id = $item->add($criteria + $fields);
        if (!$id) {
            throw new RuntimeException('cannot add ' . get_class($item) . ' ' . json_encode($criteria));
        }
        echo 'billu: added ' . get_class($item) . ' ' . json_encode($criteria) . "\n";
        return (int) $id;
    }
    $row = reset($found);
    $diff = [];
    foreach ($fields as $k => $v) {
        if (!array_key_exists($k, $row) || (string) $row[$k] !== (string) $v) {
            $diff[$k] = $v;
        }
    }
    if ($diff !== []) {
        $item->update(['id' => $row['id']] + $diff);
        echo 'billu: updated ' . get_class($item) . ' ' . json_encode($criteria) . ' (' . implode(', ', array_keys($diff)) . ")\n";
    }
    return (int) $row['id'];
}

$ldapPassword = billu_secret_file($site['ldap']['passwordFile']);

// The directory: the DCs over LDAPS, the users OU and the filter that returns exactly the planned staff.
$ldap = $site['ldap'];
$ldapId = billu_ensure(new AuthLDAP(), ['name' => $ldap['name']], [
    'host' => $ldap['host'],
    'port' => $ldap['port'],
    'basedn' => $ldap['basedn'],
    'condition' => $ldap['condition'],
    'login_field' => $ldap['login_field'],
    'sync_field' => 'objectguid',
    'rootdn' => $ldap['rootdn'],
    'rootdn_passwd' => $ldapPassword,
    'use_bind' => 1,
    'use_tls' => 0,
    'tls_certfile' => '',
    'group_field' => $ldap['group_field'],
    'group_search_type' => $ldap['group_search_type'],
    'email1_field' => 'mail',
    'realname_field' => 'sn',
    'firstname_field' => 'givenname',
    'phone_field' => 'telephonenumber',
    'mobile_field' => 'mobile',
    'title_field' => 'title',
    'is_active' => 1,
    'is_default' => 1,
]);
foreach ($ldap['replicas'] as $uri) {
    $parts = parse_url($uri);
    billu_ensure(new AuthLdapReplicate(), ['authldaps_id' => $ldapId, 'host' => 'ldaps://' . $parts['host']], ['port' => $ldap['port'], 'name' => $parts['host']]);
}

// Profiles from directory groups: one authorization rule per group (RuleRight), every other user Self-Service.
$profileId = static function (string $name): int {
    $p = new Profile();
    $found = $p->find(['name' => $name], [], 1);
    if (count($found) === 0) {
        throw new RuntimeException("GLPI has no profile $name");
    }
    return (int) reset($found)['id'];
};
foreach ($site['profiles'] as $i => $map) {
    $name = 'billu: ' . $map['groupDn'] . ' -> ' . $map['profile'];
    $ruleId = billu_ensure(new RuleRight(), ['name' => $name, 'sub_type' => 'RuleRight'], ['match' => 'AND', 'is_active' => 1, 'ranking' => 100 + $i, 'entities_id' => 0]);
    billu_ensure(new RuleCriteria(), ['rules_id' => $ruleId, 'criteria' => 'LDAP_SERVER'], ['condition' => Rule::PATTERN_IS, 'pattern' => (string) $ldapId]);
    billu_ensure(new RuleCriteria(), ['rules_id' => $ruleId, 'criteria' => 'groups'], ['condition' => Rule::PATTERN_CONTAIN, 'pattern' => $map['groupDn']]);
    billu_ensure(new RuleAction(), ['rules_id' => $ruleId, 'field' => 'profiles_id'], ['action_type' => 'assign', 'value' => (string) $profileId($map['profile'])]);
    billu_ensure(new RuleAction(), ['rules_id' => $ruleId, 'field' => 'entities_id'], ['action_type' => 'assign', 'value' => '0']);
    billu_ensure(new RuleAction(), ['rules_id' => $ruleId, 'field' => 'is_recursive'], ['action_type' => 'assign', 'value' => '1']);
}
Config::setConfigurationValues('core', ['default_profiles_id' => $profileId($site['defaultProfile'])]);

// Entities per department (when the model asks), ticket categories.
$entityIds = ['Root entity' => 0];
foreach ($site['entities'] as $e) {
    $entityIds['Root entity > ' . $e['name']] = billu_ensure(new Entity(), ['name' => $e['name'], 'entities_id' => 0], ['comment' => 'billu: ' . $e['groupDn']]);
}
foreach ($site['categories'] as $c) {
    billu_ensure(new ITILCategory(), ['name' => $c, 'itilcategories_id' => 0, 'entities_id' => 0], ['is_recursive' => 1, 'is_helpdeskvisible' => 1, 'is_incident' => 1, 'is_request' => 1]);
}

// Tickets by mail: the collector reads the helpdesk mailbox over IMAPS; notifications leave by submission (STARTTLS).
$h = $site['helpdesk'];
billu_ensure(new MailCollector(), ['name' => $h['address']], [
    'host' => $h['imap'],
    'login' => $h['login'],
    'passwd' => (new GLPIKey())->encrypt(billu_secret_file($h['passwordFile'])),
    'is_active' => 1,
    'use_mail_date' => 0,
    'collect_only_unread' => 1,
]);
$smtp = $site['smtp'];
Config::setConfigurationValues('core', [
    'use_notifications' => 1,
    'notifications_mailing' => 1,
    'smtp_mode' => MAIL_SMTPTLS,
    'smtp_host' => $smtp['host'],
    'smtp_port' => $smtp['port'],
    'smtp_username' => $smtp['login'],
    'smtp_passwd' => (new GLPIKey())->encrypt($ldapPassword),
    'smtp_check_certificate' => 1,
    'admin_email' => $smtp['from'],
    'from_email' => $smtp['from'],
    'replyto_email' => $smtp['from'],
    'url_base' => $site['url'],
    'url_base_api' => $site['url'] . '/apirest.php',
]);

// The REST API for the acceptance run's ticket scenario (issue #23): on, with user tokens only (no login and password
// over the API); one API client whose App-Token is the stack's; the acceptance account as a GLPI user of the directory
// (added here when LDAP has not imported it yet) with the stack's API token and the profile its groups map to.
$api = $site['api'];
Config::setConfigurationValues('core', [
    'enable_api' => 1,
    'enable_api_login_credentials' => 0,
    'enable_api_login_external_token' => 1,
]);
billu_ensure(new APIClient(), ['name' => $api['client']], [
    'is_active' => 1,
    'app_token' => billu_secret_file($api['appTokenFile']),
    'dolog_method' => 0,
]);
if ($api['user'] !== null) {
    $apiUserId = billu_ensure(new User(), ['name' => $api['user']], [
        'authtype' => Auth::LDAP,
        'auths_id' => $ldapId,
        'is_active' => 1,
        'api_token' => billu_secret_file($api['userTokenFile']),
    ]);
    billu_ensure(
        new Profile_User(),
        ['users_id' => $apiUserId, 'profiles_id' => $profileId($api['profile']), 'entities_id' => 0],
        ['is_recursive' => 1],
    );
}

// The workstations of the directory plan, with their owner (the user exists once LDAP imported them: looked up by
// login, left unassigned until then and completed on a later run).
$csv = fopen($site['computers'], 'r');
if ($csv === false) {
    throw new RuntimeException('cannot read ' . $site['computers']);
}
fgetcsv($csv, 0, ';');
while (($row = fgetcsv($csv, 0, ';')) !== false) {
    [$name, $brand, $login, , $entity] = $row;
    $manufacturerId = $brand === '' ? 0 : billu_ensure(new Manufacturer(), ['name' => $brand], []);
    $user = new User();
    $userId = $user->getFromDBbyName($login) ? (int) $user->getID() : 0;
    billu_ensure(new Computer(), ['name' => $name, 'is_template' => 0, 'is_deleted' => 0], [
        'manufacturers_id' => $manufacturerId,
        'users_id' => $userId,
        'contact' => $login,
        'entities_id' => $entityIds[$entity] ?? 0,
    ]);
}
fclose($csv);
echo "billu: GLPI's site settings are applied\n";
