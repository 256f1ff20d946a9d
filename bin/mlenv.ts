import { runMlenv } from '../lib/cli/program';

// The pinned AWS SDK supports Node 20 (package.json engines); its notice that later SDK versions
// will not is for whoever upgrades the SDK, not for every run of the command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void runMlenv();
