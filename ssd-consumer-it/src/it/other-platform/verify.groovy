// The README's other-platform recipe, checked on the consumer side: the snippet in README.md is the one in this
// project's pom.xml, and with it the resolved tree has libtorch for osx-aarch64 and not the Linux x86-64 default.
def normalize = { String s -> s.replaceAll(/\s+/, ' ').trim() }

def readme = new File(readmePath).getText('UTF-8')
def marker = readme.indexOf('On macOS/ARM, Linux aarch64 or Windows')
assert marker >= 0 : "README.md no longer has the other-platform recipe"
def start = readme.indexOf('```xml', marker)
def end = readme.indexOf('```', start + 6)
def snippet = readme.substring(start + 6, end)

def pom = new File(basedir, 'pom.xml').getText('UTF-8')
def begin = pom.indexOf('<!-- README other-platform snippet: begin -->')
def stop = pom.indexOf('<!-- README other-platform snippet: end -->')
def used = pom.substring(begin + '<!-- README other-platform snippet: begin -->'.length(), stop)
assert normalize(used) == normalize(snippet) : "pom.xml and README.md differ:\nREADME:\n${snippet}\npom.xml:\n${used}"

def tree = new File(basedir, 'tree.txt').getText('UTF-8')
println tree
def natives = tree.readLines().findAll { it.contains('ai.djl.pytorch:pytorch-native-cpu:') }
assert natives.size() == 1 : "expected one pytorch-native-cpu, found:\n${natives.join('\n')}"
assert natives[0].contains('ai.djl.pytorch:pytorch-native-cpu:jar:osx-aarch64:2.7.1:runtime') : natives[0]
assert !tree.contains('linux-x86_64') : "the Linux x86-64 native jar is still in the tree:\n${tree}"
assert tree.contains('dev.smallsd:ssd-core:jar:') && tree.contains('dev.smallsd:ssd-safety:jar:')
assert tree.contains('ai.djl.pytorch:pytorch-jni:jar:2.7.1-0.36.0')
return true
