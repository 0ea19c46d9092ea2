"""Rendering the configuration for each target, and the runnerly-gateway command."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
import requests
from click.testing import CliRunner
from conftest import SHIPPED_LIMITS

from runnerly_common.settings import SettingsError
from runnerly_common.testing import free_port
from runnerly_common.testing.nginx import require_nginx
from runnerly_common.testing.services import start_gateway
from runnerly_gateway.cli import main
from runnerly_gateway.limits import load_limits, parse_limits
from runnerly_gateway.render import prepare, render
from runnerly_gateway.settings import GatewaySettings


def settings(tmp_path, **values):
    return GatewaySettings.load(environ={}, prefix=str(tmp_path), **values)


def nginx_accepts(conf) -> subprocess.CompletedProcess:
    return subprocess.run(
        [require_nginx(), "-t", "-p", str(conf.parent), "-c", str(conf), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )


class TestTargets:
    @pytest.mark.parametrize("target", ["local", "test"])
    def test_the_rendered_config_is_one_nginx_accepts(self, tmp_path, target):
        conf = prepare(settings(tmp_path, target=target, port=free_port()))
        result = nginx_accepts(conf)
        assert result.returncode == 0, result.stderr

    def test_it_needs_nothing_from_etc_nginx(self, tmp_path):
        text = render(settings(tmp_path, target="local"))
        assert "/etc/nginx" not in text
        assert "include" not in text

    def test_the_container_target_uses_openrestys_builtin_lua_and_logs_to_stdio(self, tmp_path):
        text = render(settings(tmp_path, target="container", host="0.0.0.0"))  # noqa: S104
        assert "load_module" not in text
        assert "/usr/share/lua" not in text
        assert 'access_log "/dev/stdout"' in text
        assert 'error_log "stderr"' in text
        assert "listen 0.0.0.0:8080;" in text
        assert "leaky_bucket_probe" not in text

    def test_the_status_server_is_on_loopback_except_in_a_container(self, tmp_path):
        assert "listen 127.0.0.1:8081;" in render(settings(tmp_path, target="local"))
        container = render(settings(tmp_path, target="container", host="0.0.0.0"))  # noqa: S104
        assert "listen 0.0.0.0:8081;" in container
        chosen = render(settings(tmp_path, target="container", status_host="10.0.0.5"))
        assert "listen 10.0.0.5:8081;" in chosen

    def test_the_status_port_comes_from_settings(self, tmp_path):
        text = render(settings(tmp_path, target="local", status_port=9181, metrics_dict="512k"))
        assert "listen 127.0.0.1:9181;" in text
        assert "lua_shared_dict gateway_metrics 512k;" in text

    def test_only_the_test_target_has_the_probe_location(self, tmp_path):
        assert "/_gateway/test/" not in render(settings(tmp_path, target="local"))
        assert "/_gateway/test/" in render(settings(tmp_path, target="test"))

    def test_upstreams_come_from_settings(self, tmp_path):
        text = render(
            settings(
                tmp_path,
                target="container",
                dataservice_upstream=("dataservice:5002", "dataservice-2:5002"),
            )
        )
        assert "server dataservice:5002;" in text
        assert "server dataservice-2:5002;" in text

    def test_prepare_writes_the_limits_for_lua(self, tmp_path):
        prepare(settings(tmp_path, waf=False))
        lua_conf = json.loads((tmp_path / "gateway.json").read_text())
        shipped = load_limits(SHIPPED_LIMITS)
        assert lua_conf["classes"]["token"]["rate"] == shipped.classes["token"].rate
        assert lua_conf["waf"] is False
        assert lua_conf["waf_config"] is None


class TestBadConfiguration:
    def test_an_unknown_target_is_refused_by_name(self, tmp_path):
        with pytest.raises(SettingsError, match="GATEWAY_TARGET"):
            settings(tmp_path, target="staging")

    def test_the_status_port_cannot_be_the_public_port(self, tmp_path):
        with pytest.raises(SettingsError, match="GATEWAY_STATUS_PORT must differ"):
            settings(tmp_path, port=8080, status_port=8080)

    def test_a_metrics_dict_size_nginx_would_refuse_is_named(self, tmp_path):
        with pytest.raises(SettingsError, match="GATEWAY_METRICS_DICT"):
            settings(tmp_path, metrics_dict="lots")

    def test_an_upstream_that_is_not_host_port_is_refused(self, tmp_path):
        with pytest.raises(SettingsError, match="GATEWAY_WEB_UPSTREAM"):
            render(settings(tmp_path, web_upstream=("http://web:5000",)))

    def test_a_path_that_would_break_the_config_is_refused(self, tmp_path):
        with pytest.raises(SettingsError, match="not allowed"):
            render(settings(tmp_path, access_log=f'{tmp_path}/x"; evil'))

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda d: d["classes"].pop("token"), "missing token"),
            (lambda d: d["classes"].update(extra={"rate": "1r/s"}), "unknown extra"),
            (lambda d: d["classes"]["api"].update(rate="10 per second"), r"classes\.api\.rate"),
            (lambda d: d["classes"]["api"].update(burst=-1), r"classes\.api\.burst"),
            (lambda d: d["classes"]["api"].update(burst=2.5), r"classes\.api\.burst"),
            (lambda d: d["classes"]["token"].update(delay=1), "delay or nodelay"),
            (lambda d: d["classes"]["web"].update(body="lots"), r"classes\.web\.body"),
            (lambda d: d["concurrency"].update(max=0), r"concurrency\.max"),
        ],
    )
    def test_a_mistake_in_the_limits_file_is_named(self, change, message):
        data = json.loads(SHIPPED_LIMITS.read_text())
        change(data)
        with pytest.raises(SettingsError, match=message):
            parse_limits(data)


class TestCommand:
    def test_render_prints_the_config(self, tmp_path):
        result = CliRunner().invoke(
            main,
            ["render", "--target", "container", "--prefix", str(tmp_path)],
            env={"GATEWAY_WAF": "off"},
        )
        assert result.exit_code == 0, result.output
        assert "proxy_pass http://dataservice;" in result.output

    def test_prepare_lays_out_the_prefix_for_nginx(self, tmp_path):
        prefix = tmp_path / "prefix"
        result = CliRunner().invoke(
            main,
            ["prepare", "--target", "test", "--prefix", str(prefix)],
            env={"GATEWAY_WAF": "off"},
        )
        assert result.exit_code == 0, result.output
        assert result.output.strip() == str(prefix / "nginx.conf")
        assert json.loads((prefix / "gateway.json").read_text())["waf"] is False
        assert nginx_accepts(prefix / "nginx.conf").returncode == 0

    def test_render_reports_a_bad_setting_without_a_traceback(self, tmp_path):
        result = CliRunner().invoke(
            main, ["render", "--prefix", str(tmp_path)], env={"GATEWAY_PORT": "eighty"}
        )
        assert result.exit_code == 1
        assert "GATEWAY_PORT must be a number" in result.output

    def test_run_names_a_missing_nginx(self, tmp_path):
        result = CliRunner().invoke(
            main, ["run", "--prefix", str(tmp_path)], env={"GATEWAY_NGINX": "no-such-nginx"}
        )
        assert result.exit_code == 1
        assert "no-such-nginx not found" in result.output

    def test_run_serves_until_it_is_told_to_stop(self, tmp_path, upstreams):
        # `runnerly-gateway run` as the harness starts it for every live stack.
        gateway = start_gateway(
            tmp_path / "gateway",
            web=upstreams["web"].url,
            dataservice=upstreams["dataservice"].url,
            tokendealer=upstreams["tokendealer"].url,
            waf="off",
            workers=1,
        )
        process = gateway.process
        status_port = gateway.env["GATEWAY_STATUS_PORT"]
        try:
            assert requests.get(f"{gateway.url}/", timeout=5).json()["service"] == "web"
            status = requests.get(f"http://127.0.0.1:{status_port}/healthz", timeout=5)
            assert status.json() == {"status": "ok", "service": "gateway"}
            os.kill(process.pid, signal.SIGTERM)  # exec'd: the pid is nginx's master
            assert process.process.wait(10) == 0
        finally:
            process.stop()
        assert "gateway on http://127.0.0.1" in process.log()
        assert f"status on http://127.0.0.1:{status_port}" in process.log()
