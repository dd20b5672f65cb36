# The Windows DC's `mail-directory` step (components/directory/mail.ts, mailDirectoryStep, rendered for prod's PAR-DC01)
# run as rendered ($env:BILLU_MAIL_DIRECTORY_STEP, its data files' paths pointed at the test's copies) against a DNS
# server in memory: the mail domain's TXT records (SPF, DMARC, DKIM) it keeps. What it must hold comes from the model
# ($env:BILLU_MAIL_TXT_WANT: zone, name and value of each record, the DKIM key as the test's value of the secret).
# Mocked: DnsServer's Get-DnsServerResourceRecord, Add-DnsServerResourceRecord, Remove-DnsServerResourceRecord;
# ActiveDirectory's Get-ADUser, New-ADUser, Get-ADObject, Set-ADObject (the service account and aliases: not under test
# here); billu-lib's Get-BilluSecret.

BeforeAll {
    # Test passwords are made per run (never a literal in a committed file).
    $script:SvcSecret = 'T-' + [guid]::NewGuid().ToString('N')
    $script:OldSecret = 'T-' + [guid]::NewGuid().ToString('N')
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Want = @([IO.File]::ReadAllText($env:BILLU_MAIL_TXT_WANT) | ConvertFrom-Json)
    $script:Txt = [System.Collections.Generic.List[object]]::new()
    function Add-FakeTxt([string]$Zone, [string]$Name, [string]$Value) {
        $script:Txt.Add([pscustomobject]@{ Zone = $Zone; HostName = $Name; RecordType = 'TXT'; RecordData = [pscustomobject]@{ DescriptiveText = $Value } })
    }
    # "<zone> <name> <value>" of every TXT record, sorted: the state compared with the model's.
    function Get-TxtState { @($script:Txt | ForEach-Object { "$($_.Zone) $($_.HostName) $($_.RecordData.DescriptiveText)" } | Sort-Object) -join "`n" }
    function Get-WantedTxt { @($Want | ForEach-Object { "$($_.zone) $($_.name) $($_.value)" } | Sort-Object) -join "`n" }
    function Use-FakeDns {
        Mock Get-BilluSecret { $script:SvcSecret }
        Mock Get-ADUser { }
        Mock New-ADUser { }
        Mock Get-ADObject { if ($LDAPFilter -like '(sAMAccountName=*') { [pscustomobject]@{ sAMAccountName = 'x' } } }
        Mock Set-ADObject { }
        Mock Get-DnsServerResourceRecord { @($script:Txt | Where-Object { $_.Zone -eq $ZoneName -and $_.HostName -eq $Name -and $RRType -eq 'Txt' }) }
        Mock Add-DnsServerResourceRecord { if (-not $Txt) { throw 'not a TXT record' }; Add-FakeTxt $ZoneName $Name $DescriptiveText }
        Mock Remove-DnsServerResourceRecord { if (-not $script:Txt.Remove($InputObject)) { throw 'no such record' } }
    }
    function Invoke-MailDirectoryStep { $null = . $env:BILLU_MAIL_DIRECTORY_STEP }
}

Describe 'the Windows DC''s mail-directory step (prod, PAR-DC01): the mail domain''s TXT records' {
    BeforeAll { Use-FakeDns }

    It 'writes SPF, DMARC and DKIM (with the key it is given) as the model states them' {
        Invoke-MailDirectoryStep
        Get-TxtState | Should -Be (Get-WantedTxt)
        Should -Invoke Add-DnsServerResourceRecord -Times 3 -Exactly
        Should -Invoke Remove-DnsServerResourceRecord -Times 0 -Exactly
    }
    It 'a second run changes nothing' {
        Invoke-MailDirectoryStep
        Should -Invoke Add-DnsServerResourceRecord -Times 0 -Exactly
        Should -Invoke Remove-DnsServerResourceRecord -Times 0 -Exactly
    }
    It 'replaces a DMARC record of another policy, keeps a TXT record of another tag at the same name' {
        $dmarc = @($script:Txt | Where-Object { $_.RecordData.DescriptiveText -like 'v=DMARC1*' })[0]
        $dmarc.RecordData.DescriptiveText = 'v=DMARC1; p=reject'
        $spf = @($Want | Where-Object { $_.value -like 'v=spf1*' })[0]
        Add-FakeTxt $spf.zone $spf.name 'google-site-verification=abc'
        Invoke-MailDirectoryStep
        $expected = @(@((Get-WantedTxt) -split "`n") + "$($spf.zone) $($spf.name) google-site-verification=abc" | Sort-Object) -join "`n"
        Get-TxtState | Should -Be $expected
        Should -Invoke Add-DnsServerResourceRecord -Times 1 -Exactly -ParameterFilter { $DescriptiveText -like 'v=DMARC1; p=none*' }
        Should -Invoke Remove-DnsServerResourceRecord -Times 1 -Exactly
    }
}

# The service account's password follows the secret (Set-BilluServiceAccount in billu-lib.ps1): the account present,
# the bind probe a .NET object whose NativeObject throws on a wrong password, as DirectoryEntry's does.
Describe 'the Windows DC''s mail-directory step (prod, PAR-DC01): the mail service account' {
    BeforeAll {
        Use-FakeDns
        if (-not ('BilluFakeEntry' -as [type])) {
            Add-Type -TypeDefinition 'public class BilluFakeEntry { private readonly bool works; public BilluFakeEntry(bool works) { this.works = works; } public object NativeObject { get { if (!works) throw new System.UnauthorizedAccessException("The user name or password is incorrect."); return "bound"; } } }'
        }
        Mock Get-ADUser { [pscustomobject]@{ SamAccountName = 'svc-mail' } }
        Mock Set-ADAccountPassword { $script:SvcPassword = [System.Net.NetworkCredential]::new('', $NewPassword).Password }
        Mock New-Object { [BilluFakeEntry]::new($ArgumentList[2] -ceq $script:SvcPassword) } -ParameterFilter { $TypeName -eq 'System.DirectoryServices.DirectoryEntry' }
    }
    It 'a password that no longer binds (the secret changed): reset to the secret, the account not recreated' {
        $script:SvcPassword = $script:OldSecret
        Invoke-MailDirectoryStep
        $script:SvcPassword | Should -BeExactly $script:SvcSecret
        Should -Invoke Set-ADAccountPassword -Times 1 -Exactly
        Should -Invoke New-ADUser -Times 0 -Exactly
    }
    It 'a password that binds: left alone' {
        $script:SvcPassword = $script:SvcSecret
        Invoke-MailDirectoryStep
        Should -Invoke Set-ADAccountPassword -Times 0 -Exactly
    }
}
