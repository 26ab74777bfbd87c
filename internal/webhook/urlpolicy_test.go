package webhook

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

func TestURLPolicyCheck(t *testing.T) {
	strict := URLPolicy{}
	open := URLPolicy{AllowPrivate: true, AllowHTTP: true}
	for name, tc := range map[string]struct {
		policy URLPolicy
		url    string
		reason string // "" = allowed
	}{
		"public https":                {strict, "https://93.184.215.14/hooks/kakunin", ""},
		"public https with port":      {strict, "https://93.184.215.14:8443/h?x=1", ""},
		"public IPv6":                 {strict, "https://[2606:4700:4700::1111]/h", ""},
		"IPv6 NAT64 of a public IPv4": {strict, "https://[64:ff9b::808:808]/h", ""},
		"http refused by default":     {strict, "http://93.184.215.14/h", "webhook_url_not_allowed"},
		"http when allowed":           {URLPolicy{AllowHTTP: true}, "http://93.184.215.14/h", ""},
		"loopback":                    {strict, "https://127.0.0.1/h", "webhook_url_not_allowed"},
		"loopback, other /8 address":  {strict, "https://127.8.9.10/h", "webhook_url_not_allowed"},
		"localhost by name":           {strict, "https://localhost:8080/h", "webhook_url_not_allowed"},
		"LOCALHOST upper case":        {strict, "https://LOCALHOST/h", "webhook_url_not_allowed"},
		"IPv6 loopback":               {strict, "https://[::1]/h", "webhook_url_not_allowed"},
		"RFC 1918 10/8":               {strict, "https://10.1.2.3/h", "webhook_url_not_allowed"},
		"RFC 1918 172.16/12":          {strict, "https://172.31.255.255/h", "webhook_url_not_allowed"},
		"RFC 1918 192.168/16":         {strict, "https://192.168.0.10/h", "webhook_url_not_allowed"},
		"cloud metadata":              {strict, "https://169.254.169.254/latest/meta-data/", "webhook_url_not_allowed"},
		"IPv6 link-local with zone":   {strict, "https://[fe80::1%25eth0]/h", "webhook_url_not_allowed"},
		"IPv6 unique local":           {strict, "https://[fd00:ec2::254]/h", "webhook_url_not_allowed"},
		"CGNAT":                       {strict, "https://100.64.0.1/h", "webhook_url_not_allowed"},
		"unspecified":                 {strict, "https://0.0.0.0/h", "webhook_url_not_allowed"},
		"IPv6 unspecified":            {strict, "https://[::]/h", "webhook_url_not_allowed"},
		"multicast":                   {strict, "https://224.0.0.1/h", "webhook_url_not_allowed"},
		"IPv6 multicast":              {strict, "https://[ff02::1]/h", "webhook_url_not_allowed"},
		"broadcast":                   {strict, "https://255.255.255.255/h", "webhook_url_not_allowed"},
		"mapped loopback":             {strict, "https://[::ffff:127.0.0.1]/h", "webhook_url_not_allowed"},
		"mapped metadata":             {strict, "https://[::ffff:169.254.169.254]/h", "webhook_url_not_allowed"},
		"mapped private, hex form":    {strict, "https://[::ffff:a00:1]/h", "webhook_url_not_allowed"},
		"mapped CGNAT":                {strict, "https://[::ffff:100.64.0.1]/h", "webhook_url_not_allowed"},
		"IPv4-compatible loopback":    {strict, "https://[::127.0.0.1]/h", "webhook_url_not_allowed"},
		"NAT64 of loopback":           {strict, "https://[64:ff9b::7f00:1]/h", "webhook_url_not_allowed"},
		"6to4 of private":             {strict, "https://[2002:c0a8:1::1]/h", "webhook_url_not_allowed"},
		"user info":                   {strict, "https://user:pw@93.184.215.14/h", "webhook_url_not_allowed"},
		"user info when private ok":   {open, "https://user@127.0.0.1/h", "webhook_url_not_allowed"},
		"loopback allowed":            {open, "http://127.0.0.1:9/h", ""},
		"localhost allowed":           {open, "https://localhost/h", ""},
		"metadata allowed when open":  {open, "http://169.254.169.254/", ""},
		"relative":                    {strict, "/hooks", "webhook_url_invalid"},
		"no scheme":                   {strict, "example.com/hooks", "webhook_url_invalid"},
		"ftp":                         {strict, "ftp://93.184.215.14/h", "webhook_url_invalid"},
		"javascript":                  {strict, "javascript:alert(1)", "webhook_url_invalid"},
		"opaque https":                {strict, "https:93.184.215.14", "webhook_url_invalid"},
		"no host":                     {strict, "https:///h", "webhook_url_invalid"},
		"port only":                   {strict, "https://:443/h", "webhook_url_invalid"},
		"broken IPv6":                 {strict, "https://[::1/h", "webhook_url_invalid"},
		"control character":           {strict, "https://93.184.215.14/\x00", "webhook_url_invalid"},
		"empty":                       {strict, "", "webhook_url_invalid"},
		"too long":                    {open, "https://127.0.0.1/" + string(make([]byte, 3000)), "webhook_url_invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.policy.Check(context.Background(), tc.url)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("Check = %v; want nil", err)
				}
				return
			}
			var e *errkind.Error
			if !errors.As(err, &e) || e.Reason != tc.reason || !errors.Is(err, errkind.ErrInvalid) {
				t.Fatalf("Check = %v; want ErrInvalid %s", err, tc.reason)
			}
		})
	}
}

func TestNonPublic(t *testing.T) {
	for addr, public := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "100.63.255.255": true, "100.128.0.1": true,
		"172.15.255.255": true, "172.32.0.1": true, "169.253.255.255": true, "223.255.255.254": true,
		"2606:4700::1111": true, "2a00:1450::1": true, "2002:808:808::1": true, "::ffff:8.8.8.8": true,

		"127.0.0.1": false, "10.0.0.0": false, "172.16.0.1": false, "192.168.255.255": false,
		"169.254.0.1": false, "100.64.0.0": false, "100.127.255.255": false, "0.1.2.3": false,
		"192.0.0.8": false, "192.0.2.1": false, "198.18.0.1": false, "198.51.100.7": false, "203.0.113.9": false,
		"240.0.0.1": false, "239.255.255.250": false, "::1": false, "::": false, "fe80::1": false,
		"fc00::1": false, "fdff::1": false, "fec0::1": false, "ff05::2": false, "2001:db8::1": false,
		"::ffff:192.168.1.1": false, "::ffff:0.0.0.0": false, "::8.8.8.8": false, "64:ff9b:1::1": false,
		"64:ff9b::a9fe:a9fe": false,
	} {
		ip := netip.MustParseAddr(addr)
		if got := nonPublic(ip) == ""; got != public {
			t.Errorf("nonPublic(%s) = %q; want public = %t", addr, nonPublic(ip), public)
		}
	}
}

func TestCheckDialAddr(t *testing.T) {
	for name, tc := range map[string]struct {
		policy  URLPolicy
		address string
		ok      bool
	}{
		"public":                   {URLPolicy{}, "93.184.215.14:443", true},
		"loopback":                 {URLPolicy{}, "127.0.0.1:443", false},
		"mapped metadata":          {URLPolicy{}, "[::ffff:169.254.169.254]:80", false},
		"IPv6 link-local and zone": {URLPolicy{}, "[fe80::1%eth0]:443", false},
		"loopback allowed":         {URLPolicy{AllowPrivate: true}, "127.0.0.1:443", true},
		"not an IP":                {URLPolicy{AllowPrivate: true}, "example.com:443", false},
		"no port":                  {URLPolicy{}, "93.184.215.14", false},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.policy.checkDialAddr(tc.address)
			if (err == nil) != tc.ok {
				t.Fatalf("checkDialAddr(%s) = %v; want ok = %t", tc.address, err, tc.ok)
			}
		})
	}
}
