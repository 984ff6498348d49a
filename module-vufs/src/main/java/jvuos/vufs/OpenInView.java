package jvuos.vufs;

import jvuos.module.VirtualFile;

/**
 * A file or directory of a union held open by the guest, known by its path in the view: a
 * rename moves it, an unlink leaves it without one (null), and its virtual attributes are
 * looked up by it.
 */
abstract class OpenInView implements VirtualFile {
    private String rel;

    OpenInView(String rel) {
        this.rel = rel;
    }

    final String rel() {
        return rel;
    }

    final void renamed(String newRel) {
        rel = newRel;
    }
}
