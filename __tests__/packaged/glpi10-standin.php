<?php
// A stand-in for the GLPI 10.0 classes scripts/assets/glpi-site.php uses, for __tests__/packaged/glpi-site-tokens.test.ts
// (GLPI's code is not on the test machines). It keeps each class's rows in memory and saves them as JSON at exit
// ($BILLU_STANDIN_DB), and does what GLPI 10.0 does where it matters to the REST API tokens, nothing more:
//
// - APIClient (glpi-project/glpi src/APIClient.php, commit a1b0c7750b6c8d22a1c3015543b8906519c18c2a, GLPI 10.0):
//   prepareInputForAdd() returns prepareInputForUpdate($input), which changes `app_token` only on `_reset_app_token`
//   (`$input['app_token'] = self::getUniqueAppToken();`): the App-Token given is stored as given. (GLPI 11 adds
//   `$input['app_token'] = (new GLPIKey())->encrypt($input['app_token']);` there; the schema allows GLPI 10 only.)
// - User (src/User.php, commit 2aa22393f988755526ebda0e91967e261123e26f, GLPI 10.0): prepareInputForAdd() leaves
//   `api_token` alone; prepareInputForUpdate() drops it only "if a 'user' session is active"
//   (`Session::getLoginUserID() !== false && ((int) $input['id']) !== Session::getLoginUserID()`), and the CLI run of
//   glpi-site.php has none; getFromDBbyToken($token, 'api_token') is `getFromDBByCrit([$table.".api_token" => $token])`:
//   plain equality.
// The REST side (src/Api/API.php at 8d87c781874190b085250ce335309601092511e8: initApi() keeps the active clients'
// `app_token` column as is, checkAppToken() is `array_search($this->parameters['app_token'], $this->app_tokens)`,
// initSession() hands the user_token to Auth, whose API case calls getFromDBbyToken($_REQUEST['user_token'],
// 'api_token')) is the test's verdict, read from the saved rows.

$GLOBALS['billu_db'] = is_file((string) getenv('BILLU_STANDIN_DB'))
    ? json_decode((string) file_get_contents((string) getenv('BILLU_STANDIN_DB')), true, 512, JSON_THROW_ON_ERROR)
    : ['Profile' => [
        // GLPI 10's default profiles (install/empty_data.php).
        '1' => ['id' => 1, 'name' => 'Self-Service'],
        '2' => ['id' => 2, 'name' => 'Observer'],
        '3' => ['id' => 3, 'name' => 'Admin'],
        '4' => ['id' => 4, 'name' => 'Super-Admin'],
        '5' => ['id' => 5, 'name' => 'Hotliner'],
        '6' => ['id' => 6, 'name' => 'Technician'],
        '7' => ['id' => 7, 'name' => 'Supervisor'],
    ]];
register_shutdown_function(static function (): void {
    file_put_contents((string) getenv('BILLU_STANDIN_DB'), json_encode($GLOBALS['billu_db'], JSON_THROW_ON_ERROR));
});

const MAIL_SMTPTLS = 2;

class CommonDBTM
{
    public array $fields = [];

    public function find(array $criteria = [], array $order = [], ?int $limit = null): array
    {
        $rows = [];
        foreach ($GLOBALS['billu_db'][static::class] ?? [] as $id => $row) {
            foreach ($criteria as $k => $v) {
                if (!array_key_exists($k, $row) || (string) $row[$k] !== (string) $v) {
                    continue 2;
                }
            }
            $rows[$id] = $row;
            if ($limit !== null && count($rows) >= $limit) {
                break;
            }
        }
        return $rows;
    }

    public function prepareInputForAdd($input)
    {
        return $input;
    }

    public function prepareInputForUpdate($input)
    {
        return $input;
    }

    public function add(array $input)
    {
        $input = $this->prepareInputForAdd($input);
        if ($input === false) {
            return false;
        }
        $id = count($GLOBALS['billu_db'][static::class] ?? []) + 1;
        $GLOBALS['billu_db'][static::class][(string) $id] = ['id' => $id] + $input;
        $this->fields = $GLOBALS['billu_db'][static::class][(string) $id];
        return $id;
    }

    public function update(array $input)
    {
        $input = $this->prepareInputForUpdate($input);
        foreach ($input as $k => $v) {
            $GLOBALS['billu_db'][static::class][(string) $input['id']][$k] = $v;
        }
        return true;
    }

    public function getID()
    {
        return $this->fields['id'] ?? -1;
    }
}

class APIClient extends CommonDBTM
{
    public function prepareInputForAdd($input)
    {
        return $this->prepareInputForUpdate($input);
    }

    public function prepareInputForUpdate($input)
    {
        if (isset($input['_reset_app_token']) && $input['_reset_app_token']) {
            $input['app_token'] = bin2hex(random_bytes(20));
        }
        return $input;
    }
}

class User extends CommonDBTM
{
    public function getFromDBbyName($name): bool
    {
        $found = $this->find(['name' => $name], [], 1);
        $this->fields = $found === [] ? [] : reset($found);
        return $found !== [];
    }
}

class AuthLDAP extends CommonDBTM
{
}
class AuthLdapReplicate extends CommonDBTM
{
}
class Profile extends CommonDBTM
{
}
class Profile_User extends CommonDBTM
{
}
class RuleRight extends CommonDBTM
{
}
class RuleCriteria extends CommonDBTM
{
}
class RuleAction extends CommonDBTM
{
}
class Entity extends CommonDBTM
{
}
class ITILCategory extends CommonDBTM
{
}
class MailCollector extends CommonDBTM
{
}
class Manufacturer extends CommonDBTM
{
}
class Computer extends CommonDBTM
{
}

class Rule
{
    public const PATTERN_IS = 0;
    public const PATTERN_CONTAIN = 2;
}

class Auth
{
    public const LDAP = 3;
}

class GLPIKey
{
    public function encrypt(string $s): string
    {
        return 'glpikey:' . base64_encode($s);
    }
}

class Config
{
    public static function setConfigurationValues(string $context, array $values): void
    {
        $GLOBALS['billu_db']['Config'][$context] = $values + ($GLOBALS['billu_db']['Config'][$context] ?? []);
    }
}
