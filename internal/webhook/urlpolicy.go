package webhook

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// URLPolicy decides which endpoint URLs kakunin may post to. The zero value
// is the production policy: https only, public addresses only. Tests and
// private deployments set AllowPrivate and AllowHTTP.
type URLPolicy struct {
	AllowPrivate bool // allow loopback, private, link-local and other non-public addresses
	AllowHTTP    bool // allow plain http as well as https
}

const maxURLLen = 2048

// Check validates an endpoint URL when it is registered: an absolute http(s)
// URL (https unless AllowHTTP) without user info, whose host resolves, and
// only to public addresses unless AllowPrivate. Refusals are *errkind.Error
// of kind ErrInvalid with reason webhook_url_invalid (malformed) or
// webhook_url_not_allowed (well-formed but refused). The addresses are
// checked again at every connection (NewClient), because DNS answers change.
func (p URLPolicy) Check(ctx context.Context, rawURL string) error {
	u, err := p.parse(rawURL)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return p.checkAddr(ip, "")
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return errkind.Wrap(err, errkind.ErrInvalid, "webhook_url_invalid", "host %q does not resolve", host)
	}
	if len(addrs) == 0 {
		return errkind.New(errkind.ErrInvalid, "webhook_url_invalid", "host %q has no address", host)
	}
	// Every address must pass: a name that also points inside is refused,
	// since any of its addresses may be the one dialled.
	for _, ip := range addrs {
		if err := p.checkAddr(ip, host); err != nil {
			return err
		}
	}
	return nil
}

// parse does the checks that need no DNS; the transport repeats them on
// every request.
func (p URLPolicy) parse(rawURL string) (*url.URL, error) {
	invalid := func(format string, args ...any) (*url.URL, error) {
		return nil, errkind.New(errkind.ErrInvalid, "webhook_url_invalid", format, args...)
	}
	if len(rawURL) > maxURLLen {
		return invalid("url is longer than %d bytes", maxURLLen)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return invalid("url does not parse")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return invalid("url must be absolute and start with https://")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return invalid("url has no host")
	}
	if u.User != nil {
		return nil, errkind.New(errkind.ErrInvalid, "webhook_url_not_allowed", "url must not carry a user name or password")
	}
	if u.Scheme == "http" && !p.AllowHTTP {
		return nil, errkind.New(errkind.ErrInvalid, "webhook_url_not_allowed", "url must use https")
	}
	return u, nil
}

// checkAddr refuses a non-public ip; host names the DNS name it came from,
// or is "" for a literal address.
func (p URLPolicy) checkAddr(ip netip.Addr, host string) error {
	if p.AllowPrivate {
		return nil
	}
	if why := nonPublic(ip); why != "" {
		if host == "" {
			return errkind.New(errkind.ErrInvalid, "webhook_url_not_allowed", "address %s is %s", ip, why)
		}
		return errkind.New(errkind.ErrInvalid, "webhook_url_not_allowed", "host %q resolves to %s, which is %s", host, ip, why)
	}
	return nil
}

// Ranges that are not reachable public unicast destinations, beyond what
// netip's predicates cover.
var (
	cgnat         = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598 carrier-grade NAT
	thisNetwork   = netip.MustParsePrefix("0.0.0.0/8")     // RFC 1122
	ietfProtocol  = netip.MustParsePrefix("192.0.0.0/24")  // RFC 6890
	benchmarking  = netip.MustParsePrefix("198.18.0.0/15") // RFC 2544
	reservedV4    = netip.MustParsePrefix("240.0.0.0/4")   // includes 255.255.255.255
	documentation = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	siteLocalV6  = netip.MustParsePrefix("fec0::/10")      // deprecated, still routed inside some networks
	v4Compatible = netip.MustParsePrefix("::/96")          // deprecated IPv4-compatible IPv6
	nat64        = netip.MustParsePrefix("64:ff9b::/96")   // RFC 6052: embeds an IPv4 address
	nat64Local   = netip.MustParsePrefix("64:ff9b:1::/48") // RFC 8215: local-use NAT64
	sixToFour    = netip.MustParsePrefix("2002::/16")      // RFC 3056: embeds an IPv4 address
)

// nonPublic returns why ip must not be dialled, or "" if it is a public
// unicast address. IPv4-mapped and other IPv6 forms that embed an IPv4
// address are judged by the embedded address.
func nonPublic(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap()
	switch {
	case !ip.IsValid():
		return "not an address"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local (includes cloud metadata)"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	if ip.Is4() {
		switch {
		case cgnat.Contains(ip):
			return "shared address space (CGNAT)"
		case thisNetwork.Contains(ip), ietfProtocol.Contains(ip), benchmarking.Contains(ip), reservedV4.Contains(ip):
			return "reserved"
		}
	} else {
		switch {
		case v4Compatible.Contains(ip), nat64.Contains(ip):
			b := ip.As16()
			if why := nonPublic(netip.AddrFrom4([4]byte(b[12:16]))); why != "" {
				return why + " (embedded in IPv6)"
			}
			if v4Compatible.Contains(ip) {
				return "reserved"
			}
		case nat64Local.Contains(ip), siteLocalV6.Contains(ip):
			return "reserved"
		case sixToFour.Contains(ip):
			b := ip.As16()
			if why := nonPublic(netip.AddrFrom4([4]byte(b[2:6]))); why != "" {
				return why + " (embedded in IPv6)"
			}
		}
	}
	for _, p := range documentation {
		if p.Contains(ip) {
			return "reserved for documentation"
		}
	}
	return ""
}

// errNotIP is returned by the dial check for an address it cannot parse;
// Go's dialer always passes a literal IP, so this means a bug.
var errNotIP = errors.New("webhook: dial address is not an IP")

// checkDialAddr is run by the client's dialer on the address it is about to
// connect to, after DNS resolution: the decisive SSRF check.
func (p URLPolicy) checkDialAddr(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return errNotIP
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return errNotIP
	}
	if p.AllowPrivate {
		return nil
	}
	if why := nonPublic(ip); why != "" {
		return errkind.New(errkind.ErrInvalid, "webhook_url_not_allowed", "connection to %s refused: address is %s", ip.WithZone(""), why)
	}
	return nil
}
