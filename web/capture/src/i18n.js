// Every string the page shows, in Japanese and English. The browser's
// language picks one; the switch in the header changes it.

const messages = {
  ja: {
    title: '本人確認',
    switchTo: 'English',
    switchLabel: 'Switch to English',
    loading: '読み込んでいます…',
    linkInvalid: 'このリンクは無効か、有効期限が切れています。お手続きをはじめからやり直してください。',
    alreadyDone: 'この本人確認は受付済みです。',
    expired: 'この本人確認の有効期限が切れました。',
    canceled: 'この本人確認は取り消されました。',
    networkError: '通信できませんでした。電波の良い場所でもう一度お試しください。',
    retry: 'もう一度試す',
    next: '次へ',
    back: '戻る',
    skip: 'この手順をとばす',
    tooManyTries: '試行回数の上限に達しました。時間をおいて、はじめからやり直してください。',

    consentTitle: 'はじめに',
    consentLead: 'オンラインで本人確認を行います。所要時間は2〜3分です。',
    consentWhat: '取得する情報',
    consentWhatJpki: 'マイナンバーカードの署名用電子証明書（氏名・住所・生年月日・性別）',
    consentWhatChip: '本人確認書類のICチップの情報（氏名・住所・生年月日・顔写真など）',
    consentWhatDoc: '本人確認書類の写真（表・裏・厚み）',
    consentWhatFace: 'お顔の写真と、動きを確かめるための短い連続写真',
    consentWhy: '利用目的：法令に基づく取引時確認（本人確認）と、なりすまし・不正利用の防止のため。',
    consentKeep: '保存期間：法令の定めにより、取引終了から7年間保存し、その後削除します。マイナンバー（個人番号）は取得しません。',
    consentAgree: '上記に同意します',
    consentStart: '同意して始める',

    stepOf: 'ステップ {n} / {total}',

    handoffTitleJpki: 'マイナンバーカードで署名',
    handoffTitleChip: 'ICチップを読み取る',
    handoffLead: 'スマートフォンの kakunin カードアプリでQRコードを読み取り、カードをスマートフォンにかざしてください。',
    handoffLeadMobile: 'このスマートフォンで続ける場合は、下のボタンからアプリを開いてください。',
    handoffOpen: 'カードアプリを開く',
    handoffWaiting: 'カードの読み取りを待っています…',
    handoffExpiresIn: 'このコードの有効期限：あと {m} 分',
    handoffExpired: 'コードの有効期限が切れました。新しいコードを表示してください。',
    handoffNew: '新しいコードを表示',
    handoffDone: 'カードの情報を受け取りました。',
    handoffQrAlt: 'カードアプリで読み取るQRコード',
    handoffHintChip: '読み取りに失敗したときは、カードをケースから出し、スマートフォンの背面中央にしっかり当てて、もう一度お試しください。',
    handoffHintJpki: '署名用電子証明書の暗証番号（英数字6〜16桁）が必要です。5回続けて間違えるとロックされます。',

    docTypeTitle: '本人確認書類を選ぶ',
    docTypeLead: 'お手元の本人確認書類を選んでください。',
    doc_drivers_license: '運転免許証',
    doc_my_number_card: 'マイナンバーカード（個人番号カード）',
    doc_residence_card: '在留カード',
    doc_passport: 'パスポート',
    doc_driving_history_certificate: '運転経歴証明書',
    doc_special_permanent_resident_certificate: '特別永住者証明書',

    docFrontTitle: '書類の表面を撮影',
    docBackTitle: '書類の裏面を撮影',
    docThicknessTitle: '書類の厚みを撮影',
    docFrontLead: '書類の表面を枠に合わせ、文字がはっきり読めるように撮影してください。',
    docBackLead: '書類を裏返して、枠に合わせて撮影してください。',
    docThicknessLead: '書類を斜めに傾け、厚み（側面）が見えるように撮影してください。',
    shutter: '撮影する',
    choosePhoto: '写真を選ぶ',
    checking: '写真を確認しています…',
    retake: '撮り直す',
    usePhoto: 'この写真を使う',

    selfieTitle: 'お顔を撮影',
    selfieLead: '明るい場所で、お顔を枠の中に合わせてください。自動で撮影します。',
    guideNoFace: 'お顔が見つかりません。カメラを正面に向けてください。',
    guideMany: '枠の中はお一人だけにしてください。',
    guideCloser: 'もう少し近づいてください。',
    guideFarther: '少し離れてください。',
    guideCenter: 'お顔を枠の中央に合わせてください。',
    guideDark: '暗すぎます。明るい場所へ移動してください。',
    guideBright: '明るすぎます。強い光を避けてください。',
    guideHold: 'そのまま動かないでください…',
    guideManual: 'お顔を枠に合わせて、撮影ボタンを押してください。',
    cameraDenied: 'カメラを使えません。ブラウザの設定でカメラへのアクセスを許可してから、もう一度お試しください。',
    cameraMissing: 'カメラが見つかりません。カメラ付きの端末でお試しください。',

    livenessTitle: '動きの確認',
    livenessLead: '画面の指示に合わせて、ゆっくり動いてください。',
    livenessReady: 'お顔を正面に向けたまま、少しお待ちください。',
    livenessStart: '始める',
    act_turn_left: 'ゆっくり左を向いてください',
    act_turn_right: 'ゆっくり右を向いてください',
    act_look_up: 'ゆっくり上を向いてください',
    act_look_down: 'ゆっくり下を向いてください',
    act_blink: 'まばたきをしてください',
    act_smile: 'にっこり笑ってください',
    act_open_mouth: '口を大きく開けてください',
    actReturn: '正面に戻ってください',
    livenessDoneCapture: 'ありがとうございます。',

    uploadTitle: '送信しています',
    uploadProgress: '{done} / {total} 件を送信しました',
    uploadFailed: '送信に失敗しました。',

    q_resolution_too_low: '写真が小さすぎます。もう少し近づけて撮影してください。',
    q_blurry: 'ピントが合っていません。手を止めて撮影してください。',
    q_overexposed: '明るすぎます。強い光を避けてください。',
    q_underexposed: '暗すぎます。明るい場所で撮影してください。',
    q_glare: '光が反射しています。書類の角度を少し変えてください。',
    q_unreadable: 'この写真は読み込めません。JPEG・PNG・WebP の写真を選ぶか、撮影してください。',

    submitting: '送信しています…',
    doneTitle: '受け付けました',
    processing: '確認しています。この画面のままお待ちください…',
    approved: '本人確認が完了しました。',
    review: '担当者が内容を確認しています。結果は後ほどお知らせします。',
    rejected: '本人確認を完了できませんでした。お手数ですが、お申し込み先の案内に従ってもう一度お手続きください。',
    continue: 'お申し込み画面へ戻る',
    closeTab: 'この画面を閉じてください。',
  },
  en: {
    title: 'Identity verification',
    switchTo: '日本語',
    switchLabel: '日本語に切り替える',
    loading: 'Loading…',
    linkInvalid: 'This link is invalid or has expired. Please start again from the beginning.',
    alreadyDone: 'This verification has already been received.',
    expired: 'This verification has expired.',
    canceled: 'This verification was canceled.',
    networkError: 'Could not connect. Move somewhere with a better signal and try again.',
    retry: 'Try again',
    next: 'Next',
    back: 'Back',
    skip: 'Skip this step',
    tooManyTries: 'Too many attempts. Please wait a while and start again from the beginning.',

    consentTitle: 'Before you start',
    consentLead: 'You are about to verify your identity online. It takes 2–3 minutes.',
    consentWhat: 'What we collect',
    consentWhatJpki: 'The signing certificate of your My Number card (name, address, date of birth, sex)',
    consentWhatChip: "The data on your ID document's IC chip (name, address, date of birth, photo, …)",
    consentWhatDoc: 'Photos of your ID document (front, back and edge)',
    consentWhatFace: 'A photo of your face and a short burst of photos showing you move',
    consentWhy: 'Purpose: identity verification required by law, and preventing impersonation and fraud.',
    consentKeep: 'Retention: kept for 7 years after the relationship ends, as the law requires, then deleted. Your My Number (individual number) is not collected.',
    consentAgree: 'I agree to the above',
    consentStart: 'Agree and start',

    stepOf: 'Step {n} of {total}',

    handoffTitleJpki: 'Sign with your My Number card',
    handoffTitleChip: 'Read the IC chip',
    handoffLead: 'Scan this QR code with the kakunin card app on your smartphone, then hold your card against the phone.',
    handoffLeadMobile: 'To continue on this phone, open the app with the button below.',
    handoffOpen: 'Open the card app',
    handoffWaiting: 'Waiting for the card to be read…',
    handoffExpiresIn: 'This code expires in {m} min',
    handoffExpired: 'The code has expired. Show a new code.',
    handoffNew: 'Show a new code',
    handoffDone: 'Card data received.',
    handoffQrAlt: 'QR code for the card app',
    handoffHintChip: 'Chip read failed? Take the card out of its case, hold it flat against the middle of the back of the phone, and try again.',
    handoffHintJpki: 'You need the PIN of the signing certificate (6–16 letters and digits). Five wrong tries lock it.',

    docTypeTitle: 'Choose your ID document',
    docTypeLead: 'Which document do you have with you?',
    doc_drivers_license: "Driver's licence",
    doc_my_number_card: 'My Number card',
    doc_residence_card: 'Residence card',
    doc_passport: 'Passport',
    doc_driving_history_certificate: 'Certificate of driving history',
    doc_special_permanent_resident_certificate: 'Special permanent resident certificate',

    docFrontTitle: 'Photograph the front',
    docBackTitle: 'Photograph the back',
    docThicknessTitle: 'Photograph the edge',
    docFrontLead: 'Fit the front of the document in the frame so the text is sharp and readable.',
    docBackLead: 'Turn the document over and fit it in the frame.',
    docThicknessLead: 'Tilt the document so its edge (thickness) is visible.',
    shutter: 'Take photo',
    choosePhoto: 'Choose a photo',
    checking: 'Checking the photo…',
    retake: 'Retake',
    usePhoto: 'Use this photo',

    selfieTitle: 'Take a photo of your face',
    selfieLead: 'In good light, fit your face in the oval. The photo is taken automatically.',
    guideNoFace: 'Face not found. Look straight at the camera.',
    guideMany: 'Only one person in the frame, please.',
    guideCloser: 'Move a little closer.',
    guideFarther: 'Move a little back.',
    guideCenter: 'Centre your face in the oval.',
    guideDark: 'Too dark. Move somewhere brighter.',
    guideBright: 'Too bright. Avoid strong light behind or on you.',
    guideHold: 'Hold still…',
    guideManual: 'Fit your face in the oval and press the button.',
    cameraDenied: "The camera can't be used. Allow camera access in your browser settings and try again.",
    cameraMissing: 'No camera found. Please use a device with a camera.',

    livenessTitle: 'Show that you are here',
    livenessLead: 'Follow the prompts and move slowly.',
    livenessReady: 'Keep looking straight ahead for a moment.',
    livenessStart: 'Start',
    act_turn_left: 'Slowly turn your head to your left',
    act_turn_right: 'Slowly turn your head to your right',
    act_look_up: 'Slowly look up',
    act_look_down: 'Slowly look down',
    act_blink: 'Blink',
    act_smile: 'Give a big smile',
    act_open_mouth: 'Open your mouth wide',
    actReturn: 'Look straight ahead again',
    livenessDoneCapture: 'Thank you.',

    uploadTitle: 'Sending',
    uploadProgress: '{done} of {total} sent',
    uploadFailed: 'Sending failed.',

    q_resolution_too_low: 'The photo is too small. Move closer.',
    q_blurry: 'The photo is blurry. Hold still.',
    q_overexposed: 'Too bright. Avoid strong light.',
    q_underexposed: 'Too dark. Find a brighter place.',
    q_glare: 'There is a reflection. Tilt the document a little.',
    q_unreadable: 'This photo cannot be read. Choose a JPEG, PNG or WebP photo, or take one.',

    submitting: 'Sending…',
    doneTitle: 'Received',
    processing: 'Checking. Please keep this page open…',
    approved: 'Your identity has been verified.',
    review: 'A member of staff is reviewing your verification. You will hear the result later.',
    rejected: 'We could not verify your identity. Please follow the instructions of the service you are applying to and try again.',
    continue: 'Back to the application',
    closeTab: 'You can close this page now.',
  },
};

const stored = () => { try { return localStorage.getItem('kakunin.lang'); } catch { return null; } };

let lang = stored() || ((navigator.language || 'ja').toLowerCase().startsWith('ja') ? 'ja' : 'en');
if (!messages[lang]) lang = 'ja';

export function currentLang() { return lang; }

export function setLang(l) {
  if (!messages[l]) return;
  lang = l;
  try { localStorage.setItem('kakunin.lang', l); } catch { /* private mode */ }
  document.documentElement.lang = l;
}

// t looks a message up and fills {name} placeholders.
export function t(key, vars = {}) {
  const s = messages[lang][key] ?? messages.ja[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

export function has(key) { return key in messages[lang]; }

document.documentElement.lang = lang;
