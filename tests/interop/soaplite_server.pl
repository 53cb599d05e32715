#!/usr/bin/perl
# A small PortaBilling-like SOAP server on Perl SOAP::Lite, for interop tests of the Rust client
# (tests/soaplite.rs). It does what PortaBilling's own Perl does: SOAP::Lite dispatches a call
# by the path of the body element's namespace (…/Porta/SOAP/Account → Porta::SOAP::Account),
# methods take one positional parameter (the request hash), return hashrefs that SOAP::Lite
# autotypes, read the session from the `auth_info` SOAP header, and fail with SOAP::Fault.
#
# Usage: perl soaplite_server.pl [PORT] [--expire-after N] [--trace FILE]
#   PORT            0 (the default) lets the system pick a free port.
#   --expire-after  every session stops working after N authenticated calls.
#   --trace FILE    appends every request and response body to FILE.
# When ready it prints one line on stdout: the base URL (http://127.0.0.1:PORT).
#
# Login: admin / secret. Accounts 1..25 belong to customer 444; account 1 holds one value of
# every kind (see account_one). Porta::SOAP::Test::expire_sessions (no auth) ends all sessions.

use strict;
use warnings;
use utf8;

use Encode ();
use HTTP::Daemon;
use IO::Select;
use SOAP::Lite;
use SOAP::Transport::HTTP;

my $port = 0;
my $expire_after = 0;
my $trace_file;
while (@ARGV) {
    my $arg = shift @ARGV;
    if ($arg eq '--expire-after') { $expire_after = shift @ARGV }
    elsif ($arg eq '--trace') { $trace_file = shift @ARGV }
    elsif ($arg =~ /^\d+$/) { $port = $arg }
    else { die "usage: $0 [PORT] [--expire-after N] [--trace FILE]\n" }
}

our $LOGIN = 'admin';
our $PASSWORD = 'secret';
our %SESSIONS;    # session_id => { login => ..., calls => N }
our %ACCOUNTS;    # i_account => account hash
our $NEXT_I_ACCOUNT = 1;
our $EXPIRE_AFTER = $expire_after;

# Account 1 carries every kind of value PortaBilling sends, as Perl holds it.
sub account_one {
    return {
        i_account            => 1,                         # xsd:int
        id                   => 'acc-0001',                # xsd:string
        i_customer           => 444,
        billing_model        => -1,                        # a negative int
        balance              => 20.98506,                  # a number: xsd:float
        opening_balance      => 0,                         # an int in a decimal field
        credit_limit         => undef,                     # xsi:nil
        activation_date      => '2023-05-12',              # xsd:date
        expiration_date      => undef,
        first_usage_time     => '2023-05-26T17:19:16',     # xsd:dateTime
        last_usage           => '2023-05-26 17:19:16',     # PortaBilling's own format: xsd:string
        blocked              => 'N',
        customer_blocked     => 'Y',
        firstname            => 'Jürgen',                  # a character string: xsd:base64Binary
        lastname             => Encode::encode_utf8('Ødegård'),   # UTF-8 bytes: the same on the wire
        companyname          => 'Smith & Sons <Ltd>',      # escaped text
        zip                  => '02134',                   # a leading zero: xsd:string ("zerostring")
        phone1               => '15551234567',             # digits in a string field: xsd:long
        h323_password        => '1234',                    # digits in a string field: xsd:int
        note                 => 'true',                    # xsd:boolean in a string field
        cont1                => 'http://example.com/c',    # xsd:anyURI in a string field
        email                => '',                        # an empty string
        i_acl                => '',                        # an empty string in an int field
        i_lang               => 'en',
        iso_4217             => 'USD',
        idle_days            => 3000000000,                # beyond 32 bits: xsd:long
        time_zone_name       => 'Europe/Prague',
        service_flags        => '   ~~~  ',               # blanks kept as they are
        assigned_addons      => [
            { i_product => 86, name => 'Data & more', iso_4217 => 'USD' },
            { i_product => 87, name => 'Roaming', description => undef },
        ],
        service_features     => [],                        # an empty array
        included_services    => [11, 12, 13],              # an array of ints
        brand_new_field      => 7,                         # unknown to the client: kept in extra
    };
}

$ACCOUNTS{1} = account_one();
for my $i (2 .. 25) {
    $ACCOUNTS{$i} = {
        i_account  => $i,
        id         => sprintf('acc-%04d', $i),
        i_customer => 444,
        balance    => $i * 1.5,
        blocked    => $i % 2 ? 'Y' : 'N',
    };
}
$NEXT_I_ACCOUNT = 26;

sub fault {
    my ($code, $string) = @_;
    die SOAP::Fault->faultcode($code)->faultstring($string);
}

# The `auth_info` header of the request: a session, or a login with a password.
sub check_auth {
    my ($som) = @_;
    # headerof() finds the entry (a SOAP::Header, with its namespace); valueof() decodes it.
    my $header = $som->headerof('/Envelope/Header/auth_info');
    fault('Client.check_auth.envelope_missed', 'auth_info header is missing') unless $header;
    my $auth = $som->valueof('/Envelope/Header/auth_info');
    fault('Client.check_auth.envelope_missed', 'auth_info header is empty') unless UNIVERSAL::isa($auth, 'HASH');
    if (defined $auth->{session_id}) {
        my $session = $SESSIONS{$auth->{session_id}};
        fault('Server.Session.check_auth.auth_failed', 'Session expired or unknown') unless $session;
        if ($EXPIRE_AFTER && ++$session->{calls} > $EXPIRE_AFTER) {
            delete $SESSIONS{$auth->{session_id}};
            fault('Server.Session.check_auth.auth_failed', 'Session expired or unknown');
        }
        return $session->{login};
    }
    if (defined $auth->{login} && defined $auth->{password}) {
        return $auth->{login} if $auth->{login} eq $LOGIN && $auth->{password} eq $PASSWORD;
        fault('Server.Session.check_auth.auth_failed', 'The login or password is incorrect');
    }
    fault('Client.check_auth.envelope_missed', 'auth_info holds neither session_id nor login and password');
}

package Porta::SOAP::Session;
our @ISA = ('SOAP::Server::Parameters');

sub login {
    my ($class, $req) = @_;
    $req = {} unless ref $req;
    my ($login, $password) = ($req->{login} // '', $req->{password} // '');
    main::fault('Server.Session.auth_failed',
        'The login or password is incorrect. Please note: your password is case sensitive.')
        unless $login eq $main::LOGIN && $password eq $main::PASSWORD;
    my $sid = join '', map { sprintf '%02x', int rand 256 } 1 .. 16;
    $main::SESSIONS{$sid} = { login => $login, calls => 0 };
    return { session_id => $sid };
}

sub ping {
    my ($class, $req) = @_;
    my $sid = ref $req ? $req->{session_id} : undef;
    return { user_id => (defined $sid && $main::SESSIONS{$sid}) ? 10 : 0 };
}

sub logout {
    my ($class, $req) = @_;
    my $sid = ref $req ? $req->{session_id} : undef;
    main::fault('Client.Session.logout.failed_to_process_session', 'Unknown session')
        unless defined $sid && delete $main::SESSIONS{$sid};
    return { success => 1 };
}

package Porta::SOAP::Account;
our @ISA = ('SOAP::Server::Parameters');

sub get_account_info {
    my $som = pop;
    my ($class, $req) = @_;
    main::check_auth($som);
    $req = {} unless ref $req;
    my $account;
    if (defined $req->{i_account}) {
        $account = $main::ACCOUNTS{$req->{i_account}};
    } elsif (defined $req->{id}) {
        ($account) = grep { $_->{id} eq $req->{id} } values %main::ACCOUNTS;
    } else {
        main::fault('Client.Account.get_account_info.missing_id', 'Mandatory field missed: i_account');
    }
    # PortaBilling answers an unknown account with an empty response.
    return {} unless $account;
    return { account_info => $account };
}

sub get_account_list {
    my $som = pop;
    my ($class, $req) = @_;
    main::check_auth($som);
    $req = {} unless ref $req;
    my @all = map { $main::ACCOUNTS{$_} } sort { $a <=> $b } keys %main::ACCOUNTS;
    @all = grep { $_->{i_customer} == $req->{i_customer} } @all if defined $req->{i_customer};
    my $offset = $req->{offset} || 0;
    my $limit = $req->{limit} || 0;
    my @page = @all[ grep { $_ < @all } $offset .. ($limit ? $offset + $limit - 1 : $#all) ];
    my %reply = (account_list => \@page);
    $reply{total} = scalar @all if $req->{get_total};
    return \%reply;
}

sub add_account {
    my $som = pop;
    my ($class, $req) = @_;
    main::check_auth($som);
    my $info = ref $req ? $req->{account_info} : undef;
    main::fault('Client.Account.add_account.missing_info', 'Mandatory field missed: account_info')
        unless ref $info;
    my $id = $info->{id};
    main::fault('Client.Account.add_account.missing_id', 'Mandatory field missed: id') unless defined $id && length $id;
    main::fault('Server.Account.duplicate_id', "Account with id $id already exists")
        if grep { $_->{id} eq $id } values %main::ACCOUNTS;
    my $i = $main::NEXT_I_ACCOUNT++;
    my %account = %$info;    # unblessed copy of what SOAP::Lite decoded
    $account{i_account} = $i;
    $main::ACCOUNTS{$i} = \%account;
    return { i_account => $i };
}

package Porta::SOAP::Test;
our @ISA = ('SOAP::Server::Parameters');

# Ends every session (no auth needed), so that the next call fails with check_auth.auth_failed.
sub expire_sessions {
    my $n = scalar keys %main::SESSIONS;
    %main::SESSIONS = ();
    return { expired => $n };
}

# How many sessions are open.
sub session_count {
    return { sessions => scalar keys %main::SESSIONS };
}

# Numbers as Perl holds them after arithmetic: its own stringification decides the text.
sub numbers {
    return {
        tiny     => 0.00001,       # "1e-05": xsd:float in exponent form
        huge     => 1e21,          # "1e+21"
        third    => 1 / 3,         # "0.333333333333333"
        whole    => 3.0,           # "3": xsd:int
        negative => -0.5,
        nan      => 'NaN',         # a string that autotypes as xsd:float
        text_inf => 'INF',
    };
}

# A hash whose keys are not XML names: SOAP::Lite sends it as an Apache SOAP Map.
sub map_keys {
    return { 'first key' => 'a', '2nd' => 'b' };
}

# A Perl error that is not a SOAP::Fault.
sub crash {
    die "Can't call method \"id\" on an undefined value\n";
}

# Echoes what SOAP::Lite decoded from the request and its header, for checking the encoder.
sub echo {
    my $som = pop;
    my ($class, $req) = @_;
    my $header = $som->headerof('/Envelope/Header/auth_info');
    return {
        params    => $req,
        params_class => ref $req,
        auth_info => scalar $som->valueof('/Envelope/Header/auth_info'),
        auth_info_uri => $header ? $header->uri : undef,
        method_uri => scalar $som->namespaceuriof('/Envelope/Body/[1]'),
    };
}

package main;

$| = 1;
my $soap = SOAP::Transport::HTTP::Server->new;
$soap->dispatch_to('Porta::SOAP::Session', 'Porta::SOAP::Account', 'Porta::SOAP::Test');

my $daemon = HTTP::Daemon->new(LocalAddr => '127.0.0.1', LocalPort => $port, ReuseAddr => 1)
    or die "cannot listen on 127.0.0.1:$port: $!\n";
my $url = $daemon->url;
$url =~ s{/$}{};
print "$url\n";

sub trace {
    my ($what, $text) = @_;
    return unless $trace_file;
    open my $fh, '>>', $trace_file or return;
    print $fh "=== $what\n$text\n";
    close $fh;
}

# SOAP::Transport::HTTP::Daemon serves one keep-alive connection at a time, so a client that
# keeps an idle connection in its pool would block every other connection. This loop serves
# all open connections in turn (with SOAP::Lite doing the SOAP side exactly as the daemon does).
my $select = IO::Select->new($daemon);
while (1) {
    for my $fh ($select->can_read) {
        if ($fh == $daemon) {
            my $conn = $daemon->accept or next;
            $select->add($conn);
            next;
        }
        my $request = $fh->get_request;
        unless ($request) {
            $select->remove($fh);
            $fh->close;
            next;
        }
        trace('request ' . $request->method . ' ' . $request->uri, $request->content);
        $soap->request($request);
        $soap->handle;
        my $response = $soap->response;
        trace('response ' . $response->code, $response->content);
        $fh->send_response($response);
    }
}
