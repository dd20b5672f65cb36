/**
 * The checks that need Debian packages the labs install (scripts/install-lab-packages.sh): each rendered file read by
 * the program that will run it (apache2 -t, php, postfix check, zabbix_agent2 -t, setfacl/getfacl). `npm test` runs on
 * a machine with only Node.js and the set-up; these run with `npm run test:packaged`, after the lab packages.
 */
const base = require("./jest.config.js");

module.exports = {
    ...base,
    roots: ["<rootDir>/__tests__/packaged"],
    testPathIgnorePatterns: ["/node_modules/"],
};
