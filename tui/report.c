/* report.c - messages and transaction outcomes on the plain terminal. */
#include "config.h"

#include "app/app_trial.h"
#include "core/i18n.h"
#include "tui/report.h"
#include "tui/tui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

char *report_iommu_off(const struct host_facts *h)
{
	const char *param = host_iommu_param(h);

	if (!param && host_iommu_vendor(h) == CPU_AMD)
		return xasprintf(_("The IOMMU is off: enable IOMMU (AMD-Vi; on some boards under SVM or NBIO) in the "
				   "firmware setup and reboot; the kernel needs no parameter for it."));
	if (!param)
		return xasprintf(_("The IOMMU is off: enable it in the firmware setup (VT-d on Intel, AMD-Vi on AMD); "
				   "an Intel CPU also needs intel_iommu=on."));
	if (host_booted_with_iommu_param(h))
		return xasprintf(_("The IOMMU is off although the kernel was started with %s: the firmware has it "
				   "off; enable VT-d in the firmware setup and reboot."),
				 param);
	return xasprintf(_("The IOMMU is off: enable VT-d in the firmware setup, and add %s (the plan does); "
			   "the groups appear after that reboot."),
			 param);
}

const char *report_irq_remap_off(void)
{
	return _("Interrupt remapping is OFF: vfio refuses to hand a device's interrupts to a VM unless "
		 "vfio_iommu_type1 allow_unsafe_interrupts=1 is set, which lets a VM forge interrupts; turn on "
		 "interrupt remapping (x2APIC) in the firmware setup.");
}

const char *report_bind_none(const struct app_plan *p)
{
	const struct plan *plan = &p->plan;

	if (plan->refusals.n)
		return _("Bind no device: what was selected is refused (below).\n");
	if (p->want.params.n)
		return plan_empty(plan) ? _("Bind no device; the kernel parameters that turn the IOMMU on are set already.\n")
					: _("Bind no device; only turn the IOMMU on.\n");
	/* nothing ticked on a host vfioconf never touched: nothing to take out */
	return plan_empty(plan) ? _("Bind no device: nothing is selected, and vfioconf has set up nothing here.\n")
				: _("Bind no device: take out everything vfioconf set up.\n");
}

void report_status_none(struct app *a, struct strbuf *sb)
{
	struct tx_info *tx = NULL;
	size_t ntx = 0;

	/* a transaction may have set kernel parameters alone (the IOMMU
	 * turned on): no device list, but not "nothing" */
	if (app_history(a, &tx, &ntx) == 0 && ntx)
		strbuf_printf(sb,
			      P_("vfioconf binds no device here (%s does not exist); its journal holds %zu "
				 "transaction: 'vfioconf history' lists it.\n",
				 "vfioconf binds no device here (%s does not exist); its journal holds %zu "
				 "transactions: 'vfioconf history' lists them.\n",
				 ntx),
			      a->state_path, ntx);
	else
		strbuf_printf(sb, _("vfioconf has configured nothing here (%s does not exist).\n"), a->state_path);
	journal_list_free(tx, ntx);
	if (app_scan(a) == 0 && !inventory_iommu_enabled(&a->inv)) {
		char *m = report_iommu_off(&a->inv.host);
		strbuf_printf(sb, "%s\n", m);
		free(m);
	}
}

void report_status_text(struct strbuf *sb, const struct status_report *r, const struct host_facts *h)
{
	strbuf_printf(sb, _("IOMMU: %s\n"), r->iommu ? _("on") : _("OFF"));
	if (!r->iommu) {
		char *m = report_iommu_off(h);
		strbuf_printf(sb, "  %s\n", m);
		free(m);
	} else if (h->irq_remap == IRQ_REMAP_OFF) {
		strbuf_printf(sb, "  %s\n", report_irq_remap_off());
	}
	for (size_t i = 0; i < r->n_dev; i++) {
		const struct status_device *s = &r->dev[i];
		strbuf_printf(sb, "  %s [%04x:%04x]  ", s->sd->addr, s->sd->vendor, s->sd->device);
		if (s->present && s->fingerprint && s->sd->driver[0])
			strbuf_printf(sb, s->on_vfio ? _("on %s") : _("NOT on %s"), s->sd->driver);
		else
			strbuf_puts(sb, !s->present      ? _("MISSING: no device at this address")
					: !s->fingerprint ? _("CHANGED: another card is in this slot; run vfioconf again")
					: s->on_vfio     ? _("on vfio-pci")
							 : _("NOT on vfio-pci"));
		if (s->present && s->fingerprint && !s->on_vfio)
			strbuf_printf(sb, _(" (driver: %s)"), s->d->driver ? s->d->driver : _("none"));
		if (s->present && !s->viable)
			strbuf_puts(sb, _("; its IOMMU group holds devices in use by the host"));
		strbuf_putc(sb, '\n');
	}
	for (size_t i = 0; i < r->n_params; i++)
		strbuf_printf(sb, _("  kernel parameter %-28s %s\n"), r->params[i].param,
			      r->params[i].present ? _("in the running command line")
						   : _("MISSING from the running command line"));
	if (r->review.n)
		strbuf_puts(sb, _("\nSettings to look at:\n"));
	for (size_t i = 0; i < r->review.n; i++)
		strbuf_printf(sb, "  ! %s\n", r->review.v[i]);
	if (r->bad)
		strbuf_printf(sb,
			      P_("\n%d thing is not as configured. If you have not rebooted since applying, reboot; "
				 "otherwise see 'vfioconf plan' and dmesg | grep vfio.\n",
				 "\n%d things are not as configured. If you have not rebooted since applying, reboot; "
				 "otherwise see 'vfioconf plan' and dmesg | grep vfio.\n",
				 r->bad),
			      r->bad);
	else
		strbuf_puts(sb, _("\nEverything is as configured.\n"));
}

void report_log(const struct log *log)
{
	for (size_t i = 0; i < log->n; i++)
		fprintf(stderr, "%s: %s: %s\n", PACKAGE,
			log->e[i].level == LOG_ERROR ? _("error")
			: log->e[i].level == LOG_WARN ? _("warning") : _("note"),
			log->e[i].msg);
}

void report_progress(void *data, const char *text)
{
	(void)data;
	fputs(text, stdout);
	fflush(stdout);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* For make bench: the transaction alone, without scan and plan. */
static void timing(double t0)
{
	if (getenv("VFIOCONF_TIMING"))
		fprintf(stderr, "timing: transaction %.2f ms\n", mono_ms() - t0);
}

/* Prints and forgets the app's messages. */
static void flush_log(struct app *a)
{
	report_log(&a->log);
	log_free(&a->log);
}

static void print_next_boot(const struct inventory *inv, const struct intent *want, const struct plan *plan,
			    bool regenerated)
{
	if (want->n_dev) {
		printf(_("\nAt the next boot these go to vfio-pci:\n"));
		for (size_t i = 0; i < want->n_dev; i++) {
			const struct device *d = &inv->devices[want->dev[i].idx];
			printf("  %s [%04x:%04x] %s\n", d->addr_str, d->vendor, d->device,
			       d->device_name ? d->device_name : "");
		}
	} else {
		printf(_("\nAt the next boot no device goes to vfio-pci.\n"));
	}
	if (plan->params.n) {
		printf(_("Kernel parameters:"));
		for (size_t i = 0; i < plan->params.n; i++)
			printf(" %s", plan->params.v[i]);
		putchar('\n');
	}
	if (!regenerated && plan->n_cmds) {
		printf(_("The initramfs and boot configuration were NOT regenerated (--no-regenerate); run:\n"));
		for (size_t i = 0; i < plan->n_cmds; i++) {
			printf("  ");
			for (size_t a = 0; a < plan->cmds[i].argv.n; a++)
				printf("%s%s", a ? " " : "", plan->cmds[i].argv.v[a]);
			putchar('\n');
		}
	}
	printf(_("Reboot for this to take effect, then check with 'vfioconf status'.\n"));
}

/* The lock, and what an earlier run left finished; its messages said. */
static int open_journal(struct app *a)
{
	int r = app_journal_open(a, NULL);

	flush_log(a);
	if (r < 0)
		app_journal_close(a);
	return r;
}

/* text on stdout, its lines broken between words at the terminal's width
 * when stdout is one (a terminal breaks them inside a word: "the tr" /
 * "ial entry"); as it is otherwise. Takes text. */
static void say_wrapped(char *text)
{
	struct winsize ws;
	size_t w = isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20
			   ? (size_t)ws.ws_col - 1
			   : 0;

	for (char *line = text, *nl; w && *line; line = nl ? nl + 1 : line + strlen(line)) {
		size_t col = strspn(line, " ");
		char *word = line + col;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		bool first = true; /* the line's first word follows its indent */
		fwrite(line, 1, col, stdout); /* a line's own indent stays */
		while (*word) {
			size_t len = strcspn(word, " ");
			size_t cols = tui_columns(word, len);
			if (!first && col + 1 + cols > w) {
				putchar('\n');
				col = 0;
			} else if (!first) {
				putchar(' ');
				col++;
			}
			first = false;
			fwrite(word, 1, len, stdout);
			col += cols;
			word += len;
			word += strspn(word, " ");
		}
		putchar('\n');
		if (!nl)
			break;
	}
	if (!w)
		fputs(text, stdout);
	free(text);
}

int report_apply(struct app *a, const struct app_plan *p, const char *trial, char **txid_out)
{
	char *txid = NULL;
	double t0;
	int r;

	if (open_journal(a) < 0)
		return EXIT_FAIL;
	printf(_("Applying:\n"));
	t0 = mono_ms();
	r = app_apply_kind(a, &p->plan, trial ? "trial" : "apply", &txid);
	timing(t0);
	flush_log(a);
	if (r < 0 && app_unverified(a)) {
		fprintf(stderr, _("%s: not applied, and not every file could be put back: the files named "
				  "above are not as before; RECOVERY.txt (named above) says how to finish\n"),
			PACKAGE);
	} else if (r < 0) {
		fprintf(stderr, _("%s: not applied; every file is as it was before\n"), PACKAGE);
	} else {
		char sid[16];
		journal_short_id(txid, sid);
		char *pick = trial ? app_trial_pick_made(a, &p->plan, trial) : NULL;
		if (pick) {
			/* rEFInd, Limine: no one-shot */
			say_wrapped(xasprintf(_("Done: trial %s, transaction %s. Reboot, and %s.\n"
						"Then 'vfioconf trial status' says how the trial went; 'vfioconf trial "
						"promote' makes it the default, 'vfioconf trial abort' takes it away.\n"),
					      trial, sid, pick));
			free(pick);
		} else if (trial) {
			say_wrapped(xasprintf(_("Done: trial %s, transaction %s. Reboot: the boot loader boots the trial "
						"entry once; the boot after it is the default entry again, as it is now.\n"
						"Then 'vfioconf trial status' says how the trial went; 'vfioconf trial "
						"promote' makes it the default, 'vfioconf trial abort' takes it away.\n"),
					      trial, sid));
		} else {
			printf(_("Done: transaction %s ('vfioconf undo %s' takes it back).\n"), sid, sid);
			print_next_boot(&a->inv, &p->want, &p->plan, a->o.regenerate);
		}
	}
	if (txid_out && r >= 0)
		*txid_out = txid;
	else
		free(txid);
	app_journal_close(a);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

int report_journal_cmd(struct app *a, enum report_tx kind, const char *what, const char *txid)
{
	char *new_txid = NULL;
	bool unverified;
	double t0;
	int r;

	if (open_journal(a) < 0)
		return EXIT_FAIL;
	t0 = mono_ms();
	r = kind == REPORT_UNDO ? app_undo(a, txid, &new_txid) : app_rollback(a, &new_txid);
	timing(t0);
	flush_log(a);
	unverified = app_unverified(a);
	app_journal_close(a);
	if (r == -ENODATA)
		return EXIT_NOTHING;
	if (r < 0) {
		if (unverified)
			fprintf(stderr, _("%s: %s failed, and not every file could be put back: the files named "
					  "above are not as before; RECOVERY.txt (named above) says how to finish\n"),
				PACKAGE, what);
		else if (r == -EALREADY)
			fprintf(stderr, _("%s: %s refused (the reason is above): nothing was changed\n"), PACKAGE, what);
		else if (r == -EEXIST)
			fprintf(stderr, _("%s: %s refused: files were changed by hand (shown above); "
					  "--force keeps the hand-edited copies beside them and goes on\n"),
				PACKAGE, what);
		else
			fprintf(stderr, _("%s: %s failed; every file is as it was before\n"), PACKAGE, what);
		return EXIT_FAIL;
	}
	{
		char sid[16];
		journal_short_id(new_txid, sid);
		printf(_("Done: transaction %s. Reboot for this to take effect.\n"), sid);
	}
	free(new_txid);
	return EXIT_OK;
}

/* Is root the running system's own "/"? */
static bool root_is_slash(const char *root)
{
	struct stat r, s;

	return stat(root, &r) == 0 && stat("/", &s) == 0 && r.st_dev == s.st_dev && r.st_ino == s.st_ino;
}

/* ROOT/etc/hostname's text (a regular file, not followed out of the root
 * by a symlink), or NULL. */
static char *read_etc_hostname(const char *root)
{
	char *path = xasprintf("%s/etc/hostname", root);
	char *text = xcalloc(1, 512);
	struct stat st;
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, text, 511);
	if (fd >= 0)
		close(fd);
	free(path);
	if (n < 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Proxmox names a node by uname's nodename without its domain
 * (PVE::INotify::nodename). On this host that is gethostname's; for
 * another --root, the name that system boots with, its /etc/hostname
 * (which Proxmox keeps equal to the node's name). The running host's
 * name would be wrong there: a rescue system's, say. NULL: neither gives
 * a usable name. */
const char *report_export_node(const struct app *a, char node[EXPORT_NODE_MAX])
{
	const char *root = a->o.scan.sr.root;
	char host[256] = "";
	char *text;
	int r = -1;

	if (root_is_slash(root) && gethostname(host, sizeof(host) - 1) == 0)
		r = export_node_name(host, node);
	if (r < 0 && (text = read_etc_hostname(root))) {
		r = export_node_name(text, node);
		free(text);
	}
	return r < 0 ? NULL : node;
}

void report_trial_text(struct strbuf *sb, const struct app_trial *t)
{
	char sid[16], *pick = NULL;

	journal_short_id(t->txid, sid);
	strbuf_printf(sb, _("Trial %s (transaction %s, %s): kernel %s, with %s\n"), t->id, sid, t->created,
		      t->kernel ? t->kernel : "?", t->params && *t->params ? t->params : _("no added parameter"));
	if (t->promote_on_success)
		strbuf_puts(sb, _("Made with --promote-on-success: its health check promotes it when it passes.\n"));
	if (t->running)
		strbuf_puts(sb, _("This boot is the trial.\n"));
	else if (t->pending && (pick = app_trial_pick(t)))
		strbuf_printf(sb, _("Not booted yet: %s.\n"), pick);
	else if (t->pending)
		strbuf_printf(sb, _("Not booted yet: %s boots it once, at the next boot.\n"), t->loader_shown);
	else if (!t->result)
		strbuf_printf(sb,
			      _("Booted, or its one-shot used up, without a health check on record: %s's next boot is "
				"the default entry.\n"),
			      t->loader_shown);
	if (t->result)
		strbuf_printf(sb, _("Health check:\n%s"), t->result);
	else
		strbuf_puts(sb, _("Health check: not run yet.\n"));
	strbuf_puts(sb, _("'vfioconf trial promote' makes it the default; 'vfioconf trial abort' takes it away.\n"));
	free(pick);
}
