/**
 * The web sites' content: static files committed in the repository (`sites/public/`, `sites/intranet/`), read
 * when the model is built, like the HR export. Guest steps carry text, so every file must be UTF-8 text; hidden
 * files are refused rather than silently skipped (a committed `.htaccess` would do nothing: the configuration
 * allows no override).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";

export interface ContentFile {
    /** Path below the site's folder, with `/` (`css/site.css`). */
    readonly path: string;
    readonly content: string;
}

/** A site's files, or why the folder cannot be deployed. */
export type ContentResult = { readonly files: readonly ContentFile[] } | { readonly problem: string; readonly fix: string };

/** Reads a site's folder (relative to the project root); injected into the model so tests can hand it fakes. */
export type ContentLoader = (dir: string) => ContentResult;

/** Where relative paths in the config are resolved: the project root (Pulumi's working directory; synth sets it). */
function projectRoot(): string {
    return process.env.BILLU_PROJECT_ROOT ?? process.cwd();
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const loadWebContent: ContentLoader = (dir) => {
    const root = path.resolve(projectRoot(), dir);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
        return { problem: `${JSON.stringify(dir)} is not a folder of the repository`, fix: "commit the site's files in that folder, or correct the path" };
    }
    const files: ContentFile[] = [];
    const walk = (rel: string): string | undefined => {
        for (const name of readdirSync(path.join(root, rel)).sort()) {
            const relPath = rel ? `${rel}/${name}` : name;
            const full = path.join(root, relPath);
            if (!SAFE_NAME.test(name)) {
                return `holds ${JSON.stringify(relPath)}, whose name is hidden or has characters other than letters, digits, '.', '_' and '-'`;
            }
            const st = statSync(full);
            if (st.isDirectory()) {
                const bad = walk(relPath);
                if (bad) return bad;
                continue;
            }
            const bytes = readFileSync(full);
            const text = bytes.toString("utf8");
            if (!Buffer.from(text, "utf8").equals(bytes) || text.includes("\0")) {
                return `holds ${JSON.stringify(relPath)}, which is not UTF-8 text (guest steps carry text files only)`;
            }
            files.push({ path: relPath, content: text });
        }
        return undefined;
    };
    const bad = walk("");
    if (bad)
        return {
            problem: `${JSON.stringify(dir)} ${bad}`,
            fix: "rename or remove that file (binary assets: serve them from elsewhere, or inline them as SVG)",
        };
    if (!files.some((f) => f.path === "index.html")) {
        return { problem: `${JSON.stringify(dir)} has no index.html`, fix: "commit the site's home page as index.html in that folder" };
    }
    return { files };
};
