#!/usr/bin/perl
# A PortaBilling client on Perl SOAP::Lite, written the way PortaBilling's Perl users write
# one, for interop tests of the crate's simulator (tests/soaplite.rs).
#
# Usage: perl soaplite_client.pl URL LOGIN PASSWORD
#
# It logs in, reads an account, pages the account list, adds an account twice (the second time
# must fail with Server.Account.duplicate_id), authenticates one call with login and password
# in auth_info, tries a wrong password, logs out and uses the stale session. It prints what it
# got as one JSON object on stdout. SOAP::Lite gives every scalar as a Perl string, so numbers
# are written as JSON numbers when they look like numbers (without leading zeros), and
# base64Binary values (bytes) are decoded from UTF-8 into text, as a Perl client must do.

use strict;
use warnings;

use Encode ();
use JSON::PP ();
use SOAP::Lite;

my ($url, $login, $password) = @ARGV;
die "usage: $0 URL LOGIN PASSWORD\n" unless defined $password;
$url =~ s{/+$}{};

my $XSI = 'http://www.w3.org/2001/XMLSchema-instance';

sub service {
    my ($name) = @_;
    return SOAP::Lite
        ->proxy("$url/Porta/SOAP/$name", timeout => 30)
        ->uri("$url/Porta/SOAP/$name");
}

sub auth {
    my (%fields) = @_;
    return SOAP::Header->name(auth_info => {%fields});
}

# Plain Perl data (hashes unblessed, byte strings decoded from UTF-8, numbers as numbers).
sub plain {
    my ($v) = @_;
    if (ref $v && UNIVERSAL::isa($v, 'HASH')) {
        return { map { $_ => plain($v->{$_}) } keys %$v };
    }
    if (ref $v && UNIVERSAL::isa($v, 'ARRAY')) {
        return [ map { plain($_) } @$v ];
    }
    return $v if !defined $v || ref $v;
    if (!Encode::is_utf8($v) && $v =~ /[\x80-\xff]/) {
        my $copy = $v;
        my $text = eval { Encode::decode('UTF-8', $copy, Encode::FB_CROAK) };
        return $text if defined $text;
    }
    return 0 + $v if $v =~ /^-?(?:0|[1-9]\d{0,17})(?:\.\d+)?$/;
    return $v;
}

# The fault code without its namespace prefix (SOAP::Lite gives `soap:Server.…` as sent).
sub fault_code {
    my ($som) = @_;
    return undef unless ref $som && $som->fault;
    (my $code = $som->faultcode) =~ s/^[^:]*://;
    return $code;
}

sub result_of {
    my ($what, $som) = @_;
    die "$what: no answer\n" unless ref $som;
    die "$what: fault " . $som->faultcode . ': ' . $som->faultstring . "\n" if $som->fault;
    return $som->result;
}

my %out;
my $session = service('Session');
my $account = service('Account');

# Session/login → session_id.
my $login_result = result_of('login', $session->login({ login => $login, password => $password }));
my $sid = $login_result->{session_id};
$out{session_id} = $sid;
my $auth = auth(session_id => $sid);

# Account/get_account_info, with the xsi:type of every field as SOAP::Lite saw it.
my $som = $account->get_account_info({ i_account => 7 }, $auth);
my $info = result_of('get_account_info', $som)->{account_info};
$out{account_info} = plain($info);
my %types;
for my $field ($som->dataof('//account_info/*')) {
    my $type = $field->attr->{"{$XSI}type"} // $field->type;
    $types{ $field->name } = defined $type ? $type : (($field->attr->{"{$XSI}nil"} // '') eq 'true' ? 'nil' : '');
}
$out{account_info_types} = \%types;

# Account/get_account_list with limit, offset and get_total.
my $list = result_of('get_account_list',
    $account->get_account_list({ limit => 5, offset => 3, get_total => 1 }, $auth));
$out{list_total} = plain($list->{total});
$out{list_count} = scalar @{ $list->{account_list} || [] };
$out{list_ids} = [ map { plain($_->{i_account}) } @{ $list->{account_list} || [] } ];
$out{list_is_array} = ref($list->{account_list}) eq 'ARRAY' ? JSON::PP::true : JSON::PP::false;
my $last = result_of('get_account_list last page',
    $account->get_account_list({ limit => 5, offset => 10 }, $auth));
$out{last_page_count} = scalar @{ $last->{account_list} || [] };
my $empty = result_of('get_account_list past the end',
    $account->get_account_list({ limit => 5, offset => 100 }, $auth));
$out{empty_page_count} = scalar @{ $empty->{account_list} || [] };
# What the empty page held: PortaBilling (SOAP::Lite) sends an empty soapenc:Array, so Perl
# code often writes @{ $r->{account_list} } without `|| []`; see SOAPLITE.md.
$out{empty_page} = exists $empty->{account_list}
    ? (ref $empty->{account_list} eq 'ARRAY' ? 'array of ' . scalar @{ $empty->{account_list} } : 'scalar')
    : 'absent';

# Account/add_account, then the same id again.
my $new = {
    id           => 'perl-0001',
    i_customer   => plain($info->{i_customer}) // 1,
    i_product    => 1,
    billing_model => 1,
    # Non-ASCII text goes as xsd:base64Binary of the Perl string's internal bytes: Latin-1 for
    # "Zo\x{eb}" (every character fits a byte), UTF-8 for a string with a wider character.
    firstname    => "Zo\x{eb}",
    lastname     => "\x{141}ukasz",
    balance      => 12.5,
    blocked      => 'N',
};
my $added = result_of('add_account', $account->add_account({ account_info => $new }, $auth));
$out{added_i_account} = plain($added->{i_account});
my $back = result_of('get_account_info (added)',
    $account->get_account_info({ i_account => $added->{i_account} }, $auth));
$out{added_back} = plain($back->{account_info});
my $dup = $account->add_account({ account_info => $new }, $auth);
$out{duplicate_fault} = fault_code($dup);
$out{duplicate_faultcode_raw} = ref $dup && $dup->fault ? $dup->faultcode : undef;
$out{duplicate_faultstring} = ref $dup && $dup->fault ? $dup->faultstring : undef;

# One call authenticated with login and password in auth_info, without a session.
my $direct = result_of('get_account_info (login+password)',
    $account->get_account_info({ i_account => 3 }, auth(login => $login, password => $password)));
$out{login_password_auth_id} = plain($direct->{account_info}{id});

# A wrong password.
$out{bad_login_fault} = fault_code($session->login({ login => $login, password => "$password-wrong" }));

# Session/ping, Session/logout, then the stale session.
$out{ping_user_id} = plain(result_of('ping', $session->ping({ session_id => $sid }, $auth))->{user_id});
$out{logout_success} = plain(result_of('logout', $session->logout({ session_id => $sid }, $auth))->{success});
$out{expired_fault} = fault_code($account->get_account_info({ i_account => 7 }, $auth));

print JSON::PP->new->utf8->canonical->pretty->encode(\%out);
