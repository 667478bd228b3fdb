/* main.c - option parsing and dispatch for vfioconf. */
#include "config.h"

#include "core/i18n.h"
#include "tui/cli.h"
#include "tui/term.h"
#include "tui/tui.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct cli_command cli_commands[] = {
	{"list", cmd_list, N_("show IOMMU groups and devices, with drivers and warnings")},
	{"plan", cmd_plan, N_("show the diffs and commands a selection needs; writes nothing")},
	{"apply", cmd_apply, N_("apply a selection as one transaction (same options as plan)")},
	{"status", cmd_status, N_("after the reboot: are the devices on vfio-pci, as configured?")},
	{"export", cmd_export, N_("the configured devices as libvirt <hostdev> XML or Proxmox VE mapping lines")},
	{"history", cmd_history, N_("list vfioconf's transactions")},
	{"undo", cmd_undo, N_("take back one transaction (default: the last) as a new one")},
	{"rollback", cmd_rollback, N_("take back every change vfioconf made")},
	{"recover", cmd_recover, N_("finish or roll back an interrupted transaction")},
	{"trial", cmd_trial, N_("the trial boot 'apply --trial' made: status, check, promote, abort")},
};

static int run_screen(struct cli *cli)
{
	return tui_run(cli->app);
}

/* vfioconf without a command, on a terminal */
static const struct cli_command tui_command = {"", run_screen, NULL};

enum {
	OPT_ROOT = 0x100,
	OPT_SYSFS,
	OPT_PROCFS,
	OPT_JSON,
	OPT_NO_MODULES,
	OPT_LIST_COMMANDS,
	OPT_LIST_KEYS,
	OPT_SELECT,
	OPT_GROUP,
	OPT_ENABLE_IOMMU,
	OPT_DIFF,
	OPT_BOOTLOADER,
	OPT_INITRAMFS,
	OPT_BACKENDS,
	OPT_YES,
	OPT_NO_REGENERATE,
	OPT_FORCE,
	OPT_TAKE_FROM_HOST,
	OPT_TRIAL,
	OPT_PROMOTE_ON_SUCCESS,
	OPT_MATCH,
	OPT_EXPECT,
	OPT_ADD,
	OPT_REMOVE,
};

static const struct option long_opts[] = {
	{"root", required_argument, NULL, OPT_ROOT},
	{"sysfs", required_argument, NULL, OPT_SYSFS},
	{"procfs", required_argument, NULL, OPT_PROCFS},
	{"json", no_argument, NULL, OPT_JSON},
	{"no-modules", no_argument, NULL, OPT_NO_MODULES},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"list-commands", no_argument, NULL, OPT_LIST_COMMANDS},
	{"list-keys", no_argument, NULL, OPT_LIST_KEYS},
	{"select", required_argument, NULL, OPT_SELECT},
	{"group", required_argument, NULL, OPT_GROUP},
	{"enable-iommu", no_argument, NULL, OPT_ENABLE_IOMMU},
	{"diff", no_argument, NULL, OPT_DIFF},
	{"bootloader", required_argument, NULL, OPT_BOOTLOADER},
	{"initramfs", required_argument, NULL, OPT_INITRAMFS},
	{"backends", no_argument, NULL, OPT_BACKENDS},
	{"yes", no_argument, NULL, OPT_YES},
	{"no-regenerate", no_argument, NULL, OPT_NO_REGENERATE},
	{"force", no_argument, NULL, OPT_FORCE},
	{"take-from-host", required_argument, NULL, OPT_TAKE_FROM_HOST},
	{"trial", no_argument, NULL, OPT_TRIAL},
	{"promote-on-success", no_argument, NULL, OPT_PROMOTE_ON_SUCCESS},
	{"match", required_argument, NULL, OPT_MATCH},
	{"expect", required_argument, NULL, OPT_EXPECT},
	{"add", no_argument, NULL, OPT_ADD},
	{"remove", no_argument, NULL, OPT_REMOVE},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f, _("Usage: %s [OPTION]... [COMMAND] [ARG]...\n"), PACKAGE);
	fputs(_("Prepare a Linux host for VFIO/PCI passthrough, and take it back out.\n"), f);
	fputs(_("\nCommands:\n"), f);
	for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i].name, _(cli_commands[i].summary));
	fputs(_("\nOptions (for every command):\n"
		"      --root DIR     the installed system's files (default /)\n"
		"      --sysfs DIR    live hardware state (default /sys)\n"
		"      --procfs DIR   live kernel state (default /proc)\n"
		"      --json         print data as JSON\n"
		"      --no-modules   skip the candidate-module lookup (faster on huge hosts)\n"
		"      --bootloader NAME, --initramfs NAME\n"
		"                     use that backend instead of the detected one\n"
		"  -h, --help         show this help and exit\n"
		"  -V, --version      show the version and exit\n"), f);
	fputs(_("\nlist options:\n"
		"      --backends     show the boot and initramfs systems found, and why\n"
		"\nplan options:\n"
		"      --select ADDR[,ADDR...]  the devices that go to vfio-pci (all of them;\n"
		"                     repeated, they add up; 'none' takes everything out)\n"
		"      --group N      every device of IOMMU group N (repeatable)\n"
		"      --match SPEC   the devices SPEC names, for scripts that serve many\n"
		"                     hosts: vendor=10de,device=2204[,subsystem=1458:3ffc]\n"
		"                     [,class=0300][,boot-vga=no][,slot=NAME] (repeatable)\n"
		"      --expect N     the --match specs name N devices here, or the plan\n"
		"                     is refused and lists what they name\n"
		"      --add, --remove  the devices named are added to, or taken out of,\n"
		"                     what is configured now (not the whole selection)\n"
		"      --enable-iommu turn the IOMMU on even with no device selected\n"
		"      --diff         print only the unified diff (for patch -p0 -d ROOT)\n"
		"      --trial        (plan, apply) a trial boot: the default boot entry, /etc\n"
		"                     and the default initramfs untouched, the plan's boot\n"
		"                     path as an entry of its own, booted once (GRUB,\n"
		"                     Fedora's BLS, systemd-boot) or picked by hand at\n"
		"                     the next boot (rEFInd, Limine); 'vfioconf trial'\n"
		"                     then says how it went, promotes or aborts it\n"
		"      --promote-on-success  (with --trial) for an unattended host: the\n"
		"                     health check at the trial's boot promotes it when it\n"
		"                     passes\n"
	"      --take-from-host ADDR[,ADDR...]  hand over selected devices the host\n"
	"                     needs (root disk, SSH NIC, boot GPU) or whose group holds\n"
	"                     chipset functions: the full address, typed out, is the\n"
	"                     confirmation\n"
		"Without --select or --group, plan re-plans what is configured now.\n"
		"\nexport libvirt|proxmox takes the same selection options as plan.\n"
		"\napply, undo, rollback options:\n"
		"      --yes          do not ask (needed without a terminal)\n"
		"      --no-regenerate  write the files, but run no initramfs/boot loader command\n"
		"      --force        overwrite files changed by hand, keeping a copy beside each\n"
		"undo takes a transaction id from 'vfioconf history' (default: the last one):\n"
		"the 8-character short ID, or any 4 or more of its first characters; a\n"
		"transaction a later one changed again is undone after that one.\n"), f);
	fputs(_("\nWithout a command, on a terminal, vfioconf opens its interactive screen;\n"
		"otherwise 'list' is run. 'vfioconf list --json' is meant for scripts.\n"
		"Exit status: 0 success (plan: changes to make), 1 failure, 2 bad usage,\n"
		"3 refused, 4 nothing to do (or nothing configured). --json: one object,\n"
		"\"schema\": 1, described by vfioconf.schema.json (see vfioconf(8)).\n"
		"See vfioconf(8) for more.\n"), f);
}

static int check_dir(const char *opt, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, _("%s: %s %s: not a directory\n"), PACKAGE, opt, dir);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc;
	struct strbuf selects = {0};
	int nselect = 0;
	struct app app;
	struct app_opts ao = {.regenerate = true, .progress = report_progress};
	struct cli cli = {.app = &app, .expect = -1};
	int nmode = 0; /* 1 --add, 2 --remove */
	const struct cli_command *cmd = NULL;
	int c;

	clock_gettime(CLOCK_MONOTONIC, &term_started);
	/* 'vfioconf undo --yes | head' must not kill a transaction half way
	 * when head exits: a write to the closed pipe fails (EPIPE) instead,
	 * and the journal's work goes on to its end. The commands it runs get
	 * SIGPIPE back (runner.c) */
	signal(SIGPIPE, SIG_IGN);
	setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
	/* VFIOCONF_LOCALEDIR: catalogs from a build tree, for tests */
	bindtextdomain(PACKAGE, getenv("VFIOCONF_LOCALEDIR") && *getenv("VFIOCONF_LOCALEDIR")
					? getenv("VFIOCONF_LOCALEDIR") : LOCALEDIR);
	textdomain(PACKAGE);
#endif
	ao.scan.sr.root = "/";
	ao.scan.sr.sysfs = "/sys";
	ao.scan.sr.procfs = "/proc";
	ao.scan.ssh_connection = getenv("SSH_CONNECTION");
	ao.scan.want_modules = true;

	while ((c = getopt_long(argc, argv, "hV", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			ao.scan.sr.root = optarg;
			break;
		case OPT_SYSFS:
			ao.scan.sr.sysfs = optarg;
			break;
		case OPT_PROCFS:
			ao.scan.sr.procfs = optarg;
			break;
		case OPT_JSON:
			cli.json = true;
			break;
		case OPT_NO_MODULES:
			ao.scan.want_modules = false;
			break;
		case OPT_SELECT:
			/* repeated, they add up; empty is no selection at all */
			if (!optarg[strspn(optarg, ", ")]) {
				fprintf(stderr, _("%s: --select '%s' names no device ('none' takes everything out)\n"),
					PACKAGE, optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			if (selects.len)
				strbuf_putc(&selects, ',');
			strbuf_puts(&selects, optarg);
			nselect++;
			break;
		case OPT_GROUP:
			strv_push(&cli.groups, optarg);
			break;
		case OPT_ENABLE_IOMMU:
			cli.enable_iommu = true;
			break;
		case OPT_DIFF:
			cli.diff_only = true;
			break;
		case OPT_BOOTLOADER:
			ao.bootloader = optarg;
			break;
		case OPT_INITRAMFS:
			ao.initramfs = optarg;
			break;
		case OPT_BACKENDS:
			cli.backends = true;
			break;
		case OPT_YES:
			cli.yes = true;
			break;
		case OPT_NO_REGENERATE:
			ao.regenerate = false;
			break;
		case OPT_FORCE:
			ao.force = true;
			break;
		case OPT_TAKE_FROM_HOST:
			cli.take_from_host = optarg;
			break;
		case OPT_TRIAL:
			cli.trial = true;
			break;
		case OPT_PROMOTE_ON_SUCCESS:
			ao.promote_on_success = true;
			break;
		case OPT_MATCH:
			strv_push(&cli.matches, optarg);
			break;
		case OPT_EXPECT: {
			unsigned long n;
			if (str_to_ulong(optarg, 10, 1u << 20, &n) < 0) {
				fprintf(stderr, _("%s: --expect '%s': a number of devices (0 or more)\n"), PACKAGE,
					optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			cli.expect = (long)n;
			break;
		}
		case OPT_ADD:
			cli.mode = APP_SELECT_ADD;
			nmode |= 1;
			break;
		case OPT_REMOVE:
			cli.mode = APP_SELECT_REMOVE;
			nmode |= 2;
			break;
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		case 'V':
			printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
			rc = EXIT_OK;
			goto out;
		case OPT_LIST_KEYS:
			tui_print_keys(stdout);
			rc = EXIT_OK;
			goto out;
		case OPT_LIST_COMMANDS:
			for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
				puts(cli_commands[i].name);
			rc = EXIT_OK;
			goto out;
		default:
			fprintf(stderr, _("Try '%s --help' for more information.\n"), PACKAGE);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	/* JSON is for scripts: its messages and every value in English,
	 * whatever the locale (core translates the messages it makes) */
	if (cli.json)
		setlocale(LC_MESSAGES, "C");
	if (optind < argc) {
		for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
			if (strcmp(argv[optind], cli_commands[i].name) == 0)
				cmd = &cli_commands[i];
		if (!cmd) {
			fprintf(stderr, _("%s: unknown command '%s'\n"), PACKAGE, argv[optind]);
			fprintf(stderr, _("Try '%s --help' for more information.\n"), PACKAGE);
			rc = EXIT_USAGE;
			goto out;
		}
		optind++;
	} else if ((isatty(0) && isatty(1)) || getenv("VFIOCONF_HEADLESS")) {
		cmd = &tui_command;
	} else {
		cmd = &cli_commands[0];
	}
	cli.argc = argc - optind;
	cli.argv = argv + optind;
	rc = EXIT_USAGE;
	if (nselect > 1 && strstr(selects.buf, "none")) {
		fprintf(stderr, _("%s: --select none takes everything out: it goes alone\n"), PACKAGE);
		goto out;
	}
	cli.select = selects.len ? selects.buf : NULL;
	if (nmode == 3) {
		fprintf(stderr, _("%s: --add and --remove: one or the other\n"), PACKAGE);
		goto out;
	}
	if (cli.mode != APP_SELECT_SET && cli.select && strcmp(cli.select, "none") == 0) {
		fprintf(stderr, _("%s: --select none takes everything out: it goes without --add or --remove\n"),
			PACKAGE);
		goto out;
	}
	if (ao.promote_on_success && (!cli.trial || (strcmp(cmd->name, "apply") && strcmp(cmd->name, "plan")))) {
		fprintf(stderr, _("%s: --promote-on-success goes with apply --trial (or plan --trial)\n"), PACKAGE);
		goto out;
	}
	if (cli.expect >= 0 && !cli.matches.n) {
		fprintf(stderr, _("%s: --expect counts what --match names: give --match too\n"), PACKAGE);
		goto out;
	}
	rc = EXIT_FAIL;
	if (check_dir("--root", ao.scan.sr.root) < 0 || check_dir("--sysfs", ao.scan.sr.sysfs) < 0 ||
	    check_dir("--procfs", ao.scan.sr.procfs) < 0)
		goto out;
	app_init(&app, &ao);
	rc = cmd->run(&cli);
	app_free(&app);
out:
	strv_free(&cli.groups);
	strv_free(&cli.matches);
	strbuf_free(&selects);
	return rc;
}
