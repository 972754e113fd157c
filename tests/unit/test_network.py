"""Where phones are sent to join: the machine's addresses from its interfaces, the join link a
console opened as localhost shows, and what `workshop serve` prints at start-up."""

import pytest

from workshop.cli import startup_lines
from workshop.network import (
    Interface,
    LanAddresses,
    is_loopback,
    phones_base_url,
    reachable_addresses,
    system_interfaces,
    unreachable,
)
from workshop.settings import Settings

LOOPBACK = Interface("lo", up=True, addresses=("127.0.0.1",))
WIFI = Interface("wlp2s0", up=True, addresses=("192.168.1.23",))


def test_a_laptop_on_wifi_is_reached_at_its_wifi_address() -> None:
    assert reachable_addresses([LOOPBACK, WIFI]) == ["192.168.1.23"]


def test_loopback_link_local_down_and_malformed_addresses_are_left_out() -> None:
    interfaces = [
        LOOPBACK,
        Interface("lo-extra", up=True, addresses=("127.0.1.1",)),
        Interface("eth0", up=True, addresses=("169.254.10.20",)),  # no network gave it an address
        Interface("wlan1", up=False, addresses=("192.168.5.5",)),  # down
        Interface("odd", up=True, addresses=("not-an-address", "0.0.0.0")),
    ]
    assert reachable_addresses(interfaces) == []


def test_private_ranges_come_first_192_168_then_10_then_172_16() -> None:
    interfaces = [
        Interface("eth0", up=True, addresses=("203.0.113.7",)),  # a public address
        Interface("eth1", up=True, addresses=("172.20.0.4",)),
        Interface("eth2", up=True, addresses=("10.1.2.3",)),
        Interface("wlan0", up=True, addresses=("192.168.43.10",)),
        Interface("eth3", up=True, addresses=("172.32.0.1",)),  # just outside 172.16/12
    ]
    assert reachable_addresses(interfaces) == [
        "192.168.43.10",
        "10.1.2.3",
        "172.20.0.4",
        "203.0.113.7",
        "172.32.0.1",
    ]


def test_within_a_range_interfaces_keep_their_order_and_an_address_counts_once() -> None:
    interfaces = [
        Interface("eth0", up=True, addresses=("10.0.0.9", "10.0.0.2")),
        Interface("wlan0", up=True, addresses=("10.0.0.5", "10.0.0.9")),
    ]
    assert reachable_addresses(interfaces) == ["10.0.0.9", "10.0.0.2", "10.0.0.5"]


def test_container_vm_and_vpn_interfaces_come_only_when_nothing_else_is_there() -> None:
    virtual = [
        Interface("docker0", up=True, addresses=("172.17.0.1",)),
        Interface("br-5f2a1c", up=True, addresses=("172.18.0.1",)),
        Interface("virbr0", up=True, addresses=("192.168.122.1",)),
        Interface("veth12ab", up=True, addresses=("10.88.0.1",)),
        Interface("tailscale0", up=True, addresses=("100.101.102.103",)),
    ]
    wifi = Interface("wlp2s0", up=True, addresses=("10.20.30.40",))
    assert reachable_addresses([LOOPBACK, *virtual, wifi]) == ["10.20.30.40"]
    assert reachable_addresses([LOOPBACK, *virtual]) == [
        "192.168.122.1",
        "10.88.0.1",
        "172.17.0.1",
        "172.18.0.1",
        "100.101.102.103",
    ]


def test_addresses_are_looked_up_at_most_every_30_seconds() -> None:
    now = [1000.0]
    lists = [[LOOPBACK], [LOOPBACK, WIFI]]
    calls: list[int] = []

    def interfaces() -> list[Interface]:
        calls.append(1)
        return lists[min(len(calls), len(lists)) - 1]

    addresses = LanAddresses(interfaces, clock=lambda: now[0])
    assert addresses() == []
    now[0] += 29.0
    assert addresses() == []  # the laptop joined the Wi-Fi, but it has not been 30 s
    assert len(calls) == 1
    now[0] += 1.0
    assert addresses() == ["192.168.1.23"]
    assert len(calls) == 2


def test_interfaces_that_cannot_be_read_give_no_address() -> None:
    def broken() -> list[Interface]:
        raise OSError("no interfaces")

    assert LanAddresses(broken)() == []


def test_this_machines_interfaces_are_read() -> None:
    interfaces = system_interfaces()
    assert all(isinstance(interface, Interface) for interface in interfaces)
    assert all(":" not in address for i in interfaces for address in i.addresses)  # IPv4 only


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("http://localhost:8000/", "http://192.168.1.23:8000"),
        ("http://127.0.0.1:8123/", "http://192.168.1.23:8123"),
        ("ws://localhost:8000/", "http://192.168.1.23:8000"),
        ("http://[::1]:8000/", "http://192.168.1.23:8000"),
        ("http://localhost/", "http://192.168.1.23"),
        ("http://192.168.1.23:8000/", "http://192.168.1.23:8000"),  # already the network address
        ("https://workshop.example.org/", "https://workshop.example.org"),
    ],
)
def test_a_page_opened_as_localhost_sends_phones_to_the_first_network_address(
    page: str, shown: str
) -> None:
    base = phones_base_url(
        page,
        public_url=None,
        listening_on="0.0.0.0",
        addresses=lambda: ["192.168.1.23", "10.0.0.5"],
    )
    assert base == shown


def test_the_public_url_wins_and_no_lookup_is_made() -> None:
    def never() -> list[str]:
        raise AssertionError("looked up")

    base = phones_base_url(
        "http://localhost:8000/",
        public_url="https://workshop.example.org/",
        listening_on="0.0.0.0",
        addresses=never,
    )
    assert base == "https://workshop.example.org"


def test_localhost_stays_when_the_app_listens_on_loopback_or_there_is_no_network() -> None:
    page = "http://localhost:8000/"
    for listening_on, addresses in [("127.0.0.1", ["192.168.1.23"]), ("0.0.0.0", [])]:
        base = phones_base_url(
            page, public_url=None, listening_on=listening_on, addresses=lambda a=addresses: a
        )
        assert base == "http://localhost:8000"


def test_why_phones_cannot_open_the_join_link() -> None:
    assert (
        unreachable("http://192.168.1.23:8000/r/ABCDEF", public_url=None, listening_on="::") == ""
    )
    assert unreachable(
        "http://localhost:8000/r/ABCDEF", public_url=None, listening_on="0.0.0.0"
    ) == ("offline")
    assert unreachable(
        "http://127.0.0.1:8000/r/ABC", public_url=None, listening_on="127.0.0.1"
    ) == ("listening-locally")
    assert unreachable(
        "http://localhost:8000/r/ABCDEF", public_url="http://localhost:8000", listening_on="0.0.0.0"
    ) == ("public-url")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.1.1", True),
        ("[::1]", True),
        ("192.168.1.23", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def settings(**values: object) -> Settings:
    return Settings.model_validate({"redis_url": None, **values})


def test_start_up_names_the_address_phones_join_at() -> None:
    assert startup_lines(settings(), ["192.168.1.23"]) == [
        "workshop: start a workshop at http://127.0.0.1:8000/host on this computer",
        "workshop: phones join at http://192.168.1.23:8000/",
    ]


def test_start_up_lists_the_laptops_other_networks_after_the_likeliest() -> None:
    lines = startup_lines(settings(port=8123), ["192.168.1.23", "10.0.0.5"])
    assert lines[1:] == [
        "workshop: phones join at http://192.168.1.23:8123/",
        "workshop: phones on another of this laptop's networks join at http://10.0.0.5:8123/",
    ]


def test_start_up_says_when_the_laptop_is_on_no_network_and_what_to_do() -> None:
    lines = startup_lines(settings(), [])
    assert lines[0] == "workshop: start a workshop at http://127.0.0.1:8000/host on this computer"
    assert len(lines) == 2
    assert lines[1].startswith("workshop: phones cannot reach this laptop yet")
    assert "Wi-Fi" in lines[1] and "hotspot" in lines[1] and "WORKSHOP_PUBLIC_URL" in lines[1]
    assert "http://" not in lines[1]


def test_start_up_says_phones_cannot_reach_an_app_listening_on_loopback() -> None:
    lines = startup_lines(settings(host="127.0.0.1"), ["192.168.1.23"])
    assert lines[1].startswith("workshop: phones cannot reach this laptop")
    assert "127.0.0.1 only" in lines[1] and "--host 0.0.0.0" in lines[1]
    assert "192.168.1.23" not in lines[1]


def test_start_up_gives_the_public_url_when_set() -> None:
    lines = startup_lines(settings(public_url="https://workshop.example.org"), [])
    assert lines[1:] == ["workshop: phones join at https://workshop.example.org/"]


def test_start_up_with_one_address_to_listen_on_names_it() -> None:
    lines = startup_lines(settings(host="10.0.0.5"), ["192.168.1.23", "10.0.0.5"])
    assert lines == [
        "workshop: start a workshop at http://10.0.0.5:8000/host on this computer",
        "workshop: phones join at http://10.0.0.5:8000/",
    ]
