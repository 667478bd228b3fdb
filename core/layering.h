/* layering.h - force-included into every core/ compilation unit.
 *
 * core/ is pure logic: no curses, no libpci, no libkmod. Their headers sit
 * on the default include path, so leaving their CFLAGS out is not enough;
 * poisoning identifiers every one of those headers declares makes a stray
 * include (or call) a hard compile error.
 */
#pragma GCC poison pci_alloc pci_init pci_scan_bus pci_fill_info
#pragma GCC poison kmod_new kmod_module_new_from_lookup
#pragma GCC poison initscr newterm wrefresh wgetch
